"""A seller's site chrome over an article: a hotline or "ask our editors" does not make an
explainer an offer; a call that offers the service, or a claim in the site's own voice, does."""

from __future__ import annotations

from pathlib import Path

from readings import why

from classifiers import Classifier, build_classifier
from classifiers.examples import run_cue_examples

HEADER = {"text": "微信客服 扫码咨询客服 服务电话：13812345678", "kind": "paragraph"}
TITLE = {"text": "评中级职称要求专利是第几发明人？", "kind": "title"}
BODY = [
    {
        "text": "评中级职称要求专利是第几发明人？一般评职称看的是前三个发明人，"
        "具体要根据职称单位的要求，发明人位置越靠前，评职称加分越高。",
        "kind": "paragraph",
    },
    {
        "text": "专利相比论文发表来说是要难一些的，是需要提前立项的，而且不一定能成功，"
        "要求这项发明独一无二并且有一定的创新意义才可以，发明周期也比较长，"
        "所以需要申报专利的作者一定要提前做好准备。以上是本文的介绍，仅供参考。",
        "kind": "paragraph",
    },
]


def test_an_explainer_under_a_sellers_header_is_not_an_offer(classifier: Classifier) -> None:
    ask = {"text": "更多疑问，欢迎咨询本站的在线编辑为您解答。", "kind": "paragraph"}
    verdict = classifier.classify_blocks([TITLE, HEADER, *BODY, ask])
    assert verdict.hits, "the topic rules must fire, or the test proves nothing"
    assert not verdict.irregular, why(verdict)


def test_a_call_that_offers_the_service_ties_the_same_explainer(classifier: Classifier) -> None:
    offer = {"text": "若您有需要，可以找我们为您安排合适的专利。", "kind": "paragraph"}
    verdict = classifier.classify_blocks([TITLE, HEADER, *BODY, offer])
    assert verdict.irregular and verdict.categories[:1] == ["abnormal_patent"], why(verdict)
    assert any(h.counted and "call to act" in h.why for h in verdict.hits)


def test_a_claim_in_the_sites_banner_still_speaks_for_the_site(classifier: Classifier) -> None:
    banner = {"text": "不下证不收费，签正式合同保障双方权益。", "kind": "paragraph"}
    footer = {"text": "地址：烟台市高新区 电话：15131390128", "kind": "paragraph"}
    verdict = classifier.classify_blocks([TITLE, banner, *BODY, footer])
    assert verdict.irregular and "guaranteed_grant" in verdict.categories, why(verdict)


def test_news_relaying_a_warning_does_not_make_the_warned_claims_its_own(
    classifier: Classifier,
) -> None:
    page = [
        {"text": "注意！这种骗局又出现了", "kind": "title"},
        {"text": "13977213234 当前位置：本地资讯", "kind": "paragraph"},
        {
            "text": "某些代理机构会通过电话联系企业或个人，谎称自己是政府“指定”的代理机构，"
            "并向权利人保证能够“下证”，使其委托进行专利申请。",
            "kind": "paragraph",
        },
    ]
    verdict = classifier.classify_blocks(page)
    assert verdict.hits and not verdict.irregular, why(verdict)


def test_an_unknown_topic_fails_the_cue_examples(rules_copy: Path) -> None:
    genres = rules_copy / "genres.yaml"
    text = genres.read_text(encoding="utf-8")
    genres.write_text(text.replace("topics: [", "topics: [ap.no_such_rule, "), encoding="utf-8")
    _, failures = run_cue_examples(build_classifier(rules_copy))
    assert [f.rule for f in failures] == ["topics"], failures


def test_an_unpaid_grant_is_the_same_jargon_with_either_fee_word(classifier: Classifier) -> None:
    """交费 and 缴费 are one word (variants.yaml): "授权未交费" is the trade's "授权未缴费"."""
    for text in ("授权未缴费的实用新型专利转让", "授权未交费的实用新型专利转让"):
        assert "ap.unregistered_grants" in {h.rule for h in classifier.hits_only(text)}, text
