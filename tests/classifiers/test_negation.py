"""Negation and quoted promises by structure (classifiers/negation.py, stances.yaml ``denied``
and ``hearsay``): an honest firm's list of what it does not do, advice against, a victim
quoting the promise that took them in, and the offers whose selling point is a negation."""

from __future__ import annotations

from classifiers import Classifier
from classifiers.negation import Negation

NEG = Negation.of(
    negators=["不", "没有", "没", "别"],
    light=["要", "用", "任何", "“"],
    governs=["办理", "出售"],
    compounds=["不仅", "不用", "特别"],
    quoting=["信了", "号称", "说"],
    prohibitive=["千万别"],
    concessive=["也能"],
)


def _before(text: str, hit: str) -> str:
    start = text.index(hit)
    return NEG.before(text, 0, start, start + len(hit))


def test_a_negator_next_to_the_hit_or_its_verb_denies_it() -> None:
    assert _before("本所不出借证书。", "出借证书") == "不"
    assert _before("不要用个人名义做。", "个人名义") == "不要用"
    assert _before("我们不办理出售专利或变更发明人。", "变更发明人") == "不办理"
    assert _before("考下证千万别找中介挂证。", "挂证") == "千万别"


def test_compounds_concessions_and_other_clauses_do_not_deny() -> None:
    assert _before("不仅包授权，还送年费。", "包授权") == ""
    assert _before("特别包授权。", "包授权") == ""
    assert _before("挂靠不用写交底书。", "写交底书") == ""
    assert _before("没有执照也能办。", "执照也能办") == ""
    # a clause boundary ends the negation, a sentence end inside the hit too
    assert _before("不用跑腿，包授权。", "包授权") == ""
    assert _before("还没注册？我们帮你抢注。", "注册？我们帮你抢注") == ""
    # a governing verb not in the list ("不坐班挂证" sells the absence) reaches nothing
    assert _before("不坐班挂证，一年两万。", "挂证") == ""


def test_a_quoted_promise_after_a_reporting_verb_is_someone_elses() -> None:
    text = "我之前就是信了“不授权全退”，结果不退。"
    assert NEG.quoted_by(text, text.index("不授权")) == "信了"
    own = "我们说“包授权”就包授权。"
    assert NEG.quoted_by(own, own.index("包授权")) == ""
    bare = "签合同时写着“包授权”。"
    assert NEG.quoted_by(bare, bare.index("包授权")) == ""


def test_an_honest_firms_refusals_and_a_victims_quote_are_not_offers(
    classifier: Classifier,
) -> None:
    honest = "本所承诺：一、不出借证书和资质，代理师全部坐班。二、不抢注他人商标。欢迎来电咨询。"
    assert not classifier.classify(honest, "本所五不做").irregular
    story = [
        {"text": "合同写驳回不退费合理吗？", "kind": "title"},
        {
            "text": "我之前就是信了“不授权全退”，结果驳回以后对方不退。",
            "kind": "post",
            "author": "a",
            "ref": "#1",
        },
    ]
    assert not classifier.classify_blocks(story).irregular


def test_offers_whose_selling_point_is_a_negation_still_offer(classifier: Classifier) -> None:
    for text in (
        "代理师证挂靠，人不用到岗，一年两万，加微信详谈。",
        "实用新型包授权，不成功不收费，微信同号。",
        "没有代理师证也能办专利申请，全程代办，加微信。",
    ):
        assert classifier.classify(text, "服务").irregular, text
