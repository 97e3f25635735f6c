"""Kinds read off a spent unseen part (``unseen-pages8``), probed with the team's own paraphrases:
a parked registration whose holder need neither go there nor take cases, an individual declaring
itself bound to no agency who prices its filing, and a firm's impostor warning that names its own
name (the victim speaking, not a lender)."""

from __future__ import annotations

import pytest

from classifiers import Classifier

OFFERS = {
    # a late reply in a thread: the registration goes to a partner firm, no going there, no cases
    "registration_parked_no_cases": (
        [
            {"text": "专代证拿到了，但不想离开现在的研究所", "kind": "title"},
            {"text": "证考下来了，单位待遇还行，不想走，证就这么闲着有点可惜。", "kind": "post"},
            {
                "text": "可以把执业关系挂到我们合作的事务所，人不必过去，也不必接案，一年三万分两次打，感兴趣私聊。",
                "kind": "post",
            },
        ],
        "certificate_renting",
    ),
    # an individual bound to no agency, the client's own account, a price with everything in it
    "unbound_individual_with_a_price": (
        [
            {"text": "外观专利找谁写便宜", "kind": "title"},
            {"text": "小作坊，想给几款杯子申请外观，有没有靠谱又不贵的？", "kind": "post"},
            {
                "text": "可以找我，做了五年撰写，不隶属于任何机构，外观一款 400 全包，用您自己的账号交，我远程帮您弄。",
                "kind": "post",
            },
        ],
        "unlicensed_agency",
    ),
    # a late reply selling a reconsideration on the strength of someone inside the deciding body
    "insider_contact_in_a_reply": (
        [
            {"text": "商标驳回后复审一般要多久？", "kind": "title"},
            {"text": "上个月被驳回了，想问问复审的周期和费用。", "kind": "post"},
            {"text": "一般半年到一年，费用看代理机构。", "kind": "post"},
            {
                "text": "楼主找我们，复审那边我们有熟人，材料递上去会有人关照，改判率很高，五千一口价。",
                "kind": "post",
            },
        ],
        "false_claims",
    ),
    # a late reply: non-use cancellations against all of a rival's marks, whatever their use
    "revocation_regardless_of_use": (
        [
            {"text": "竞争对手老是投诉我们，怎么办？", "kind": "title"},
            {"text": "对方拿一个近似商标投诉我们店，链接被下了两次。", "kind": "post"},
            {"text": "先准备在先使用的证据申诉，再看能否提无效。", "kind": "post"},
            {
                "text": "还有个办法，把对方公司名发过来，他名下满三年的商标我们不论在不在用一律提撤三，"
                "让他一件件去答辩，打包价八千。",
                "kind": "post",
            },
        ],
        "trademark_malicious",
    ),
    # a second-hand listing: talk first, then buy; an individual filing through the client's account
    "listing_talk_then_buy": (
        [
            {
                "text": "自己接的单，没挂任何机构。外观设计撰写加递交，用你自己的账号交，我远程帮你弄。"
                "拍前先聊，把图发来看看。¥ 450",
                "kind": "post",
            },
        ],
        "unlicensed_agency",
    ),
}

# a keyword-reply call makes a page speak as the seller: the same claim without it is an explainer
KEYWORD_CALL = (
    "想在年前拿到发明授权？我们通过审查系统内的合作方拿到少量优先名额，案子直接提速，名额费每件一万。"
    "需要的老板在后台回复“名额”即可。"
)

NEGATIVES = {
    "impostor_warning": (
        "声明：有人冒用本公司名义对外兜售商标、收取代理费用。凡以我司名义洽谈商标业务者，请通过官网电话核实，"
        "本公司从未授权任何个人办理。"
    ),
    # a lawyer dismissing the insider story is no seller
    "insider_story_rebutted": (
        "律师提醒：有人说在复审那边有熟人、能帮你打招呼，这是骗钱，复审由合议组审理，别信。"
    ),
    # a client telling of the small agent it hired itself
    "clients_own_small_agent": (
        "去年我们自己找的小代理写的商标申请，材料不全被驳回了，现在想复审，怎么准备？"
    ),
    "employed_attorney_travels": (
        "招聘专利代理师：执业备案转入本所，外地客户那边不用过去，负责撰写和答复，按件计酬，每年调薪。"
    ),
}


@pytest.mark.parametrize("name", sorted(OFFERS))
def test_offer_kind_is_flagged(classifier: Classifier, name: str) -> None:
    blocks, category = OFFERS[name]
    verdict = classifier.classify_blocks(blocks)
    assert verdict.tier == "offer", (name, [h.to_dict() for h in verdict.hits])
    assert category in verdict.categories
    assert verdict.offending_block == len(blocks) - 1


@pytest.mark.parametrize("name", sorted(NEGATIVES))
def test_lookalike_is_clear(classifier: Classifier, name: str) -> None:
    verdict = classifier.classify(NEGATIVES[name], "")
    assert verdict.tier != "offer", (name, [h.to_dict() for h in verdict.hits])


def test_keyword_reply_call_sells(classifier: Classifier) -> None:
    verdict = classifier.classify(KEYWORD_CALL, "")
    assert verdict.tier == "offer", [h.to_dict() for h in verdict.hits]
    assert "false_claims" in verdict.categories
