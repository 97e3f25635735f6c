"""Whose call to act and whose refusal: a price or a contact request that a page retells from
another party ties nothing, the page's own call does; a firm's statement of the business it
stays out of denies; an article's own question about a topic under site chrome is tied only by
a call that offers the service."""

from __future__ import annotations

from readings import assert_blocks_no_offer, assert_no_offer, why

from classifiers import Classifier

STORY = [
    {"text": "老字号被别人抢先注册了商标怎么办？", "kind": "title"},
    {
        "text": "一家开了多年面馆的老板告诉笔者，她的店名被一家外地公司抢先注册了，"
        "对方随后上门，报价五万元才肯转让。",
        "kind": "paragraph",
    },
    {
        "text": "这种情况下，在先使用人可以依据商标法提出异议或者请求宣告无效，"
        "对方以不正当手段抢先注册的，还可以主张赔偿。",
        "kind": "paragraph",
    },
]


def test_a_price_the_other_party_asked_is_no_call_to_act(classifier: Classifier) -> None:
    assert_blocks_no_offer(classifier, STORY, fires="squatting rules")


def test_the_pages_own_call_still_ties_the_same_hits(classifier: Classifier) -> None:
    own = {"text": "商标被抢注的，可以找我们评估，报价透明。", "kind": "paragraph"}
    verdict = classifier.classify_blocks([*STORY, own])
    assert verdict.irregular, why(verdict)


def test_a_firms_refusal_of_a_business_denies_it(classifier: Classifier) -> None:
    text = (
        "本所为依法设立的专利代理机构。本所不从事以评职称、积分落户为目的的专利买卖，"
        "也不承接发明人变更类委托。收费标准见下表，欢迎来电咨询。"
    )
    verdict = classifier.classify(text)
    assert not verdict.irregular, why(verdict)
    assert all(not h.counted for h in verdict.hits), why(verdict)


def test_an_articles_own_question_under_chrome_needs_an_offering_call(
    classifier: Classifier,
) -> None:
    blocks = [
        {"text": "保研时专利必须是第一发明人才能加分吗？", "kind": "title"},
        {"text": "咨询热线 13812345678 在线客服", "kind": "paragraph"},
        {
            "text": "本站小编为大家介绍一下，保研时专利必须是第一发明人才能加分吗？",
            "kind": "paragraph",
        },
        {
            "text": "各校的推免细则不同，一般要求学生为第一发明人，且专利与所学专业相关，"
            "以学院公布的文件为准。",
            "kind": "paragraph",
        },
        {"text": "更多专利申请问题，欢迎咨询。", "kind": "paragraph"},
    ]
    assert_blocks_no_offer(classifier, blocks, fires="topic rules")
    offer = {"text": "若您有需要，可以找我们为您安排合适的专利。", "kind": "paragraph"}
    assert classifier.classify_blocks([*blocks, offer]).irregular


QUESTION = [
    {"text": "朋友让我把代理师证挂到他那里，靠谱吗？", "kind": "title"},
    {
        "text": "刚考下证，有人说证挂到他们所一年给两万，不用上班，能答应吗？",
        "kind": "post",
        "author": "新人",
        "ref": "#1",
    },
]


def test_a_reply_that_answers_the_asker_is_no_offer(classifier: Classifier) -> None:
    answer = {
        "text": "楼主三思，挂证出了事是你的名字担责任，前两年就有人被取消资格。",
        "kind": "post",
        "author": "老代理",
        "ref": "#2",
    }
    verdict = classifier.classify_blocks([*QUESTION, answer])
    assert any(h.block == 2 for h in verdict.hits), "the reply must hit, or the test proves nothing"
    assert not verdict.irregular, why(verdict)


def test_a_reply_with_its_own_call_still_offers(classifier: Classifier) -> None:
    seller = {
        "text": "楼主的证可以挂靠在我们所，一年两万五，私聊。",
        "kind": "post",
        "author": "某所小李",
        "ref": "#2",
    }
    verdict = classifier.classify_blocks([*QUESTION, seller])
    assert verdict.irregular and verdict.offending is not None, why(verdict)
    assert verdict.offending.ref == "#2"


def test_a_buyer_telling_how_they_bought_is_no_seller(classifier: Classifier) -> None:
    thread = [
        {"text": "评上中级了，说说专利这一项", "kind": "title"},
        {
            "text": "去年材料里缺专利，在网上找了一家公司，买来的是一件授权未缴费的实用新型，"
            "把我改成第一发明人，今年评上了。",
            "kind": "post",
            "author": "老周",
            "ref": "#1",
        },
        {"text": "恭喜，答辩难不难？", "kind": "post", "author": "小吴", "ref": "#2"},
    ]
    assert_blocks_no_offer(classifier, thread, fires="patent-trade rules")


def test_a_list_of_the_lies_agencies_tell_is_no_offer(classifier: Classifier) -> None:
    text = (
        "第一句：“我们和审查员很熟，保证授权。”第二句：“买一件授权专利，评职称马上加分。”"
        "第三句：“代理师证放我们这，一年给三万。”遇到这些话术，请向市场监管部门反映。"
    )
    verdict = classifier.classify(text, "代理机构最爱说的三句谎话")
    assert verdict.hits, "the rules must fire on the quoted lies, or the test proves nothing"
    assert not verdict.irregular, why(verdict)


def test_a_lawyers_phone_does_not_tie_the_readers_question(classifier: Classifier) -> None:
    text = (
        "问题描述：公司要申报高新技术企业，知识产权数量不够，有中介说可以买几件授权专利凑数，"
        "这样做可以吗？\n"
        "律师解答：李律师 13855556666\n"
        "购买专利申报并不当然违法，但专利须与主营产品相关，临时凑数的专利评审时容易出问题。"
    )
    assert_no_offer(classifier, text, "关于申报材料的一个疑问", fires="patent-trade rules")


def test_a_sellers_answer_with_its_own_call_still_offers(classifier: Classifier) -> None:
    text = (
        "问：评职称来不及自己申请专利怎么办？\n"
        "答：可以直接转让我们手上的授权专利，第一发明人可改，加微信zl20260101详聊。"
    )
    verdict = classifier.classify(text, "评职称专利常见问题")
    assert verdict.irregular, why(verdict)


def test_a_sellers_word_in_a_condemned_sentence_is_no_seller_evidence(
    classifier: Classifier,
) -> None:
    blocks = [
        {"text": "花钱买来的专利能评职称吗？当心成为学术不端", "kind": "title"},
        {"text": "专利申请热线 13912340000 本站小编", "kind": "paragraph"},
        {
            "text": "有的单位在职称评审中发现，部分申报人的专利是花钱买来的，只为评职称加分。",
            "kind": "paragraph",
        },
        {
            "text": "从专利代写、一条龙包办到变更发明人，这门生意已经形成一条灰色利益链。",
            "kind": "paragraph",
        },
        {
            "text": "评审单位提醒，购买专利用于评职称属于学术不端，一经查实将取消评审结果。"
            "以上就是本文的介绍。",
            "kind": "paragraph",
        },
    ]
    assert_blocks_no_offer(classifier, blocks, fires="topic rules")


def test_an_honest_agents_reply_that_nobody_can_promise_a_grant_is_no_offer(
    classifier: Classifier,
) -> None:
    thread = [
        {"text": "外观专利能保证授权吗", "kind": "title"},
        {"text": "想申请外观专利，代理能保证授权吗？", "kind": "post", "author": "甲", "ref": "#1"},
        {
            "text": "我在代理所上班，说实话授权谁都保证不了，包授权的基本都是忽悠，"
            "我们能做的是把图片和简要说明弄规范。有需要可以私信。",
            "kind": "post",
            "author": "乙",
            "ref": "#2",
        },
    ]
    verdict = classifier.classify_blocks(thread)
    assert any(h.block == 2 for h in verdict.hits), "the reply must hit, or the test proves nothing"
    assert not verdict.irregular, why(verdict)


BUYER_TEXT = (
    "请问转让来的专利评职称能用吗？\n"
    "我在准备中级职称，材料里还差一件专利，被人推荐买一件，想问问大家靠谱吗？\n"
)


def test_a_sellers_line_inside_a_buyers_page_read_as_one_text_offers(
    classifier: Classifier,
) -> None:
    seller = "现有机械类授权专利可转让，评职称可改第一发明人，加微信zl20261204。"
    verdict = classifier.classify(BUYER_TEXT + seller, "评职称专利求助")
    assert verdict.genre == "consumer_question", verdict.genre_evidence
    assert verdict.irregular, why(verdict)


def test_a_buyer_retelling_the_call_they_got_does_not_offer(classifier: Classifier) -> None:
    retold = "对方说现有授权专利可转让，评职称可改第一发明人，让我加微信详聊。"
    verdict = classifier.classify(BUYER_TEXT + retold, "评职称专利求助")
    assert verdict.genre == "consumer_question", verdict.genre_evidence
    assert not verdict.irregular, why(verdict)
