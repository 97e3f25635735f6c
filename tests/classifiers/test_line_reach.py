"""A rule marked ``line: N`` finds its ``all`` groups and its ``none`` terms anywhere on the
anchor's own line (a paragraph, a post) within N characters, instead of within ``window``:
the parts of one offer sit sentences apart in a post, and the next post lends nothing."""

from __future__ import annotations

from pathlib import Path

import yaml

from classifiers import Classifier
from classifiers.engine import build_classifier
from classifiers.pack import PHRASE_WINDOW

RULE = {
    "id": "cr.test_line_reach",
    "category": "certificate_renting",
    "severity": "high",
    "weight": 0.8,
    "explanation": "测试：同一行里的证书、不到岗和年费",
    "all": [["不到岗"], ["资格证"], ["年费"]],
    "none": ["处罚"],
    "window": 10,
    "examples": {"match": ["资格证不到岗年费"], "no_match": []},
}

FILLER = "，" + "这里是一些与主题无关的说明文字" * 3 + "，"
ONE_POST = f"资格证可以合作{FILLER}本人不到岗{FILLER}年费两万"


def _with_rule(rules_copy: Path, line: int) -> Classifier:
    rule = {**RULE, "line": line} if line else RULE
    pack = {"pack": "test_pack", "version": "1", "description": "test", "rules": [rule]}
    (rules_copy / "test_pack.yaml").write_text(yaml.safe_dump(pack, allow_unicode=True))
    return build_classifier(rules_copy)


def _hits(classifier: Classifier, text: str) -> list[str]:
    return [text[h.start : h.end] for h in classifier.hits_only(text) if h.rule == RULE["id"]]


def test_groups_are_read_across_the_line(rules_copy: Path) -> None:
    assert _hits(_with_rule(rules_copy, 0), ONE_POST) == []  # beyond the window
    assert _hits(_with_rule(rules_copy, 200), ONE_POST) == ["不到岗"]


def test_the_reach_bounds_the_line(rules_copy: Path) -> None:
    assert _hits(_with_rule(rules_copy, 30), ONE_POST) == []


def test_another_line_lends_nothing(rules_copy: Path) -> None:
    text = f"资格证可以合作{FILLER}本人不到岗\n年费两万"
    assert _hits(_with_rule(rules_copy, 200), text) == []


def test_none_cancels_on_the_line_only(rules_copy: Path) -> None:
    classifier = _with_rule(rules_copy, 200)
    assert _hits(classifier, ONE_POST + "，被查会处罚") == []
    assert _hits(classifier, ONE_POST + "\n挂证被查会处罚") == ["不到岗"]


def test_a_phrase_windows_rule_reads_its_own_line(rules_copy: Path) -> None:
    """A window of at most ``PHRASE_WINDOW`` pairs the words of one phrase: a list's next line is
    another claim, so "收费）" ending one bullet and "授权后" opening the next pair nothing."""
    classifier = _with_rule(rules_copy, 0)
    assert RULE["window"] <= PHRASE_WINDOW
    assert _hits(classifier, "资格证不到岗年费")
    assert _hits(classifier, "资格证\n不到岗\n年费") == []
    real = build_classifier(rules_copy)
    bullets = "✅ 提交后跟进补正（补正不另收费）\n✅ 授权后代办登记手续"
    assert not [h for h in real.hits_only(bullets) if h.rule.startswith("gg.")]
    assert [h.rule for h in real.hits_only("✅ 授权后付款，驳回全退")][:1] == ["gg.pay_after_grant"]
