"""A rule's regex may be required to contain its anchor (``regex_covers_anchor``): a match
elsewhere in the window, in another post or a quoted line, does not lend itself to the anchor."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from classifiers import Classifier
from classifiers.engine import build_classifier
from classifiers.matching import _covers

RULE = {
    "id": "gg.test_refund_clause",
    "category": "guaranteed_grant",
    "severity": "medium",
    "weight": 0.8,
    "explanation": "测试：失败之后退钱",
    "all": [["退款"]],
    "regex": ["驳回[^。]{0,6}退款"],
    "window": 40,
    "examples": {"match": ["商标被驳回，全额退款"], "no_match": []},
}


def _with_rule(rules_copy: Path, covers: bool) -> Classifier:
    pack = {"pack": "test_pack", "version": "1", "description": "test", "rules": []}
    pack["rules"] = [{**RULE, "regex_covers_anchor": covers}]
    (rules_copy / "test_pack.yaml").write_text(yaml.safe_dump(pack, allow_unicode=True))
    return build_classifier(rules_copy)


def test_covers_needs_a_match_containing_the_span() -> None:
    pattern = [re.compile("驳回[^。]{0,6}退款")]
    piece = "商标被驳回，全额退款。另外退款要三天"
    first = piece.index("退款")
    second = piece.index("退款", first + 1)
    assert _covers(pattern, piece, first, first + 2)
    assert not _covers(pattern, piece, second, second + 2)


def test_an_anchor_outside_the_match_is_not_a_hit(rules_copy: Path) -> None:
    text = "商标被驳回，全额退款。\n退款的时候要扣手续费"
    loose = [h for h in _with_rule(rules_copy, False).hits_only(text) if h.rule == RULE["id"]]
    strict = [h for h in _with_rule(rules_copy, True).hits_only(text) if h.rule == RULE["id"]]
    # without the flag the second line's 退款 borrows the first line's match
    assert len(loose) == 2
    assert [text[h.start : h.end] for h in strict] == ["退款"]
    assert strict[0].start == text.index("退款")
