"""Who speaks, tenth round: a seller borrowing a victim's words, a reply's own call, the end of a
negation's scope, a customer's story, praise of a practice's payoff, and a bare price word."""

from __future__ import annotations

from readings import assert_blocks_no_offer, assert_no_offer, paragraphs, why

from classifiers import Classifier


def test_a_seller_borrowing_a_victims_words_still_offers(classifier: Classifier) -> None:
    text = "想用的品牌名被别人抢先注册了？我们专业撤三，帮你把名字拿回来。"
    verdict = classifier.classify(text, "商标服务")
    assert verdict.irregular, why(verdict)
    assert "trademark_malicious" in verdict.categories, why(verdict)


def test_a_victims_words_alone_still_report(classifier: Classifier) -> None:
    text = "我家的店名被别人抢先注册了，对方还要我撤三之后再买回来，这种情况怎么办？"
    verdict = classifier.classify(text, "店名被抢注")
    assert not verdict.irregular, why(verdict)


QUESTION = [
    {"text": "评中级差几分，有什么办法？", "kind": "title"},
    {
        "text": "今年差一点分数，想问问大家还有什么能加分的？",
        "kind": "post",
        "author": "a",
        "ref": "#1",
    },
]


def test_a_replys_own_call_ties_its_topic_hits(classifier: Classifier) -> None:
    reply = {
        "text": "楼主看看这个，我这边有几件已经授权还没登记的实用新型，可以把你的名字"
        "加成第一发明人，评职称能用，价格私聊。",
        "kind": "post",
        "author": "b",
        "ref": "#2",
    }
    verdict = classifier.classify_blocks([*QUESTION, reply])
    assert verdict.irregular, why(verdict)
    assert verdict.offending is not None and verdict.offending.ref == "#2", why(verdict)


def test_a_new_first_person_clause_ends_the_advices_negation(classifier: Classifier) -> None:
    reply = {
        "text": "别找代理所了，我白天在所里上班，晚上接私活帮人撰写，外观三百全包，加我微信。",
        "kind": "post",
        "author": "b",
        "ref": "#2",
    }
    verdict = classifier.classify_blocks([*QUESTION, reply])
    assert verdict.irregular, why(verdict)


def test_a_customers_story_in_a_thread_is_not_the_shop_offering(classifier: Classifier) -> None:
    story = {
        "text": "我在网上那种店办过专利申请，交了钱就一直拖，后来说被驳回了，退款的时候只退了一半。",
        "kind": "post",
        "author": "c",
        "ref": "#2",
    }
    verdict = classifier.classify_blocks([*QUESTION, story])
    assert verdict.hits, "a refund rule must fire, or the test proves nothing"
    assert not verdict.irregular, why(verdict)


def test_praise_of_a_practices_payoff_is_watch(classifier: Classifier) -> None:
    text = (
        "这两年考代理师证的人越来越多，但真正进所里做代理的只是一部分，很多人考下来以后"
        "还在原单位做研发，证书平时用不上。\n"
        "考下代理师证以后不想去所里上班的，大多会把证挂在机构，每年拿一笔固定收入。\n"
        "各地行情不同，一线城市给得高一些，二三线城市略低，新证和老证的价格差别不大，"
        "一般一年一签，按年结算，期间只需要配合机构做年检。\n"
        "签约之前要看清楚合同里的违约条款，不同机构的付款方式差别很大，有的按季度付，"
        "有的签约时先付一半，剩下的年底结清。"
    )
    verdict = classifier.classify(text, "代理师证挂靠行情")
    assert verdict.tier == "watch", why(verdict)
    assert verdict.watch_categories[:1] == ["certificate_renting"], why(verdict)


def test_a_price_word_in_a_story_is_no_call_to_act(classifier: Classifier) -> None:
    text = (
        "本文从注册难度、显著性、类别覆盖和使用历史几个方面，说说转让商标贵在哪里。\n"
        "我做商标转让这行好几年了，常有客户拿着报价单问，一个名字凭什么卖几万？"
        "其实好名字早就被人注册下来等着转手，商标身价翻倍的原因有很多。\n"
        "首先，热门类别里好记的词早就被注册得差不多了，自己从头申请不但要等一年多，"
        "还可能因为近似被驳回，时间成本更高。其次，用过多年、没有争议的商标更稳妥，"
        "买家愿意为这份确定性多付钱。"
    )
    verdict = classifier.classify(text, "转让商标为什么这么贵")
    assert not verdict.irregular, why(verdict)


def test_a_filing_service_sold_in_marketplace_words_still_offers(classifier: Classifier) -> None:
    verdict = classifier.classify("外观专利加急，100%下证，拍下即安排撰写，官费另计。", "外观专利")
    assert verdict.irregular, why(verdict)


def test_a_question_heading_below_the_sites_chrome_is_the_writers(classifier: Classifier) -> None:
    lines = [
        "咨询热线 139-0000-1234",
        "首页 > 新闻资讯 > 行业知识",
        "评中级职称时专利第几发明人才算数？",
        "发布时间：2024-05-06 来源：本站",
        "本站小编为大家介绍一下，评中级职称时专利第几发明人才算数？",
        "多数地区的评审文件只认第一发明人，少数地区第二发明人可以折半计分，"
        "具体以当年本单位和当地人社部门的文件为准。",
        "专利须与本人从事的专业相关，且在任现职期间取得。",
        "更多知识产权问题，欢迎来电咨询。",
    ]
    blocks = paragraphs(lines)
    assert_blocks_no_offer(classifier, blocks, fires="title-patent rules")


def test_a_question_word_inside_a_statement_asks_nothing(classifier: Classifier) -> None:
    verdict = classifier.classify("包授权，不授权全额退款，没有什么风险，价格面议。", "实用新型")
    assert verdict.irregular, why(verdict)
    assert all(h.stance != "asked" for h in verdict.hits), why(verdict)


def test_an_answer_that_condemns_a_quoted_slogan_does_not_offer_it(classifier: Classifier) -> None:
    asking = {
        "text": "想申请个实用新型专利，网上好多店写着包授权，价格还便宜，这种能信吗？",
        "kind": "post",
        "author": "a",
        "ref": "#1",
    }
    answer = {
        "text": "不建议。专利授不授权是审查说了算，敢写“包授权”的，要么不懂行，要么在打擦边球。",
        "kind": "post",
        "author": "b",
        "ref": "#2",
    }
    verdict = classifier.classify_blocks(
        [{"text": "淘宝上写包授权的专利店能信吗", "kind": "title"}, asking, answer]
    )
    assert verdict.hits, "the guarantee rules must fire, or the test proves nothing"
    assert not verdict.irregular, why(verdict)


def test_a_call_in_quotation_marks_is_a_mention(classifier: Classifier) -> None:
    lines = [
        "网店商标订单被退回是怎么回事",
        "不少新用户在平台下了商标注册订单，过几天发现订单被退回，原因通常有以下几种。",
        "一是资料不全，比如营业执照照片模糊；二是合作的代理机构初审不通过，订单会被取消并退回费用。",
        "遇到这种情况，可以点开订单页面右下角的“在线咨询”按钮，查看具体原因后重新提交。",
        "重新提交时注意核对申请人名称和商品类别，避免再次被退回。",
        "商标申请提交后还要经过形式审查和实质审查，整个流程一般需要九个月左右，"
        "期间可以在商标局网站查询进度。",
    ]
    blocks = paragraphs(lines)
    assert_blocks_no_offer(classifier, blocks, fires="refund rule")


def test_the_writers_we_with_the_reader_is_no_sellers_voice(classifier: Classifier) -> None:
    lines = [
        "专利在职称评审中有多大作用",
        "这些年不少地方把专利列进了职称评审的加分项，很多参评人都会关心专利到底有多大用处。",
        "我们可以通过各地评审文件对专利的要求，来看专利在评职称中的分量：实用新型一般加几分，"
        "发明专利加分更多，而且通常只认前几位发明人。",
        "评的职称等级越高，对专利类型的要求也越高，从外观设计到实用新型，再到发明专利。",
        "需要提醒的是，专利须与参评人从事的专业相关，并在任现职期间取得，"
        "与专业无关的专利在评审中往往不被认可。",
    ]
    blocks = paragraphs(lines)
    assert_blocks_no_offer(classifier, blocks, fires="title-patent rules")


def test_a_lawyers_answer_post_that_calls_it_fraud_does_not_offer(classifier: Classifier) -> None:
    blocks = [
        {"text": "律师解答：买卖授权未缴费专利评职称违法吗", "kind": "title"},
        {
            "text": "问：同事说网上能买授权未缴费的专利，改成自己的名字评职称，这样违法吗？",
            "kind": "post",
            "author": "q",
            "ref": "#1",
        },
        {
            "text": "答：这种做法属于弄虚作假，一旦被查实，已评职称会被撤销，还可能被记入诚信档案。"
            "建议不要购买。如有其他法律问题，可以电话咨询本律所：010-66668888。",
            "kind": "post",
            "author": "lawyer",
            "ref": "#2",
        },
    ]
    assert_blocks_no_offer(classifier, blocks, fires="title-patent rules")


def test_an_honest_faq_that_refuses_a_refund_does_not_offer_one(classifier: Classifier) -> None:
    text = (
        "问：你们能包授权吗？\n答：不能。专利能否授权由审查员决定，我们只能保证认真撰写、及时答复。\n"
        "问：驳回了退钱吗？\n答：代理费按合同约定收取，驳回不退代理费，但复审阶段我们只收取少量费用。\n"
        "如有其他问题，欢迎致电咨询。"
    )
    assert_no_offer(classifier, text, "常见问题", fires="guarantee rules")


def test_those_who_dare_promise_it_are_a_third_party(classifier: Classifier) -> None:
    text = (
        "做了十年专利代理，我见过太多被“包过”坑的客户。\n"
        "有的机构先收一笔高额费用，说不授权全退，结果驳回后以各种理由只退一点；"
        "有的干脆就是皮包公司，收了钱人就不见了。\n"
        "专利能不能授权，关键在技术方案本身和撰写质量，没有人能保证结果。\n"
        "如果你正在找代理，记住一条：敢承诺包过的，往往在合同里另外留了退路。"
    )
    assert_no_offer(classifier, text, "一位代理师的自白", fires="guarantee rules")


def test_a_number_the_caller_used_is_not_the_pages_call(classifier: Classifier) -> None:
    text = (
        "今天一个138-0000-5566的号码打给我，说是北京一家代理机构的，让我把代理师证挂到他们那，"
        "一年给两万五，人不用去上班。\n我刚考下证，不知道这种能不能答应？挂证会有什么后果？"
    )
    assert_no_offer(
        classifier, text, "接到自称代理机构的电话，说可以帮我挂证", fires="renting rules"
    )


def test_the_sellers_own_number_still_ties(classifier: Classifier) -> None:
    text = (
        "代理师证挂靠我所，不用到岗，原单位照常上班，一年两万五。\n"
        "有意者直接打138-0000-5566，王经理。"
    )
    verdict = classifier.classify(text, "代理师证挂靠")
    assert verdict.irregular, why(verdict)


def test_the_writers_we_have_reason_to_argues_nothing_offered(classifier: Classifier) -> None:
    text = (
        "商标注册的实质条件是商标法最重要的制度之一，现行规定分散在多个条款里，用语也不统一。\n"
        "修法时，我们有必要通过统一的审查标准，让每一件申请都必要通过同样的检验，"
        "而不是由各个条款各说各话。\n"
        "本文从体系、逻辑和用语三个方面提出重构的建议，供修法讨论参考。\n"
        "第一部分梳理现行条款的来源和演变，第二部分比较几个主要法域的立法例，"
        "第三部分提出条文设计的具体方案，并讨论与商标法其他章节的衔接，"
        "以及修改后对审查实践和在先权利人保护可能带来的影响。"
    )
    assert_no_offer(classifier, text, "重构商标注册实质条件", fires="guarantee rule")
