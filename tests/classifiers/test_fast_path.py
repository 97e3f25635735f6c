"""The fast rule engine gives exactly the verdicts of the plain reference path
(``classifier_reference``) on the sandbox's pages and the labelled sets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import classifier_reference
import pytest
from classifier_reference import ReferenceClassifier

from classifiers import Classifier
from classifiers.blocks import join_blocks, parse_blocks
from classifiers.verdict import Verdict
from sandbox.corpus import listing_pages

DATA = Path(__file__).resolve().parent.parent / "data"
REALSET_CACHE = Path(__file__).resolve().parents[2] / "var" / "realset-cache.jsonl"


def _verdicts(c: Classifier, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        verdict: Verdict
        if "blocks" in row and "text" not in row:
            text, blocks = join_blocks(parse_blocks(row["blocks"]))
            verdict = c.classify(text, "", blocks)
        else:
            verdict = c.classify(row["text"], row.get("title") or "")
        out.append(verdict.to_dict())
    return out


def _assert_same(classifier: Classifier, rows: list[dict[str, Any]]) -> None:
    reference = ReferenceClassifier.of(classifier)
    fast, plain = _verdicts(classifier, rows), _verdicts(reference, rows)
    assert sum(len(v["hits"]) for v in plain) > 0, "the corpus must make the rules work"
    for row, a, b in zip(rows, fast, plain, strict=True):
        assert a == b, row.get("id")


def test_same_verdicts_on_sandbox_pages(classifier: Classifier) -> None:
    """Page-length sandbox pages, dense with rule phrases (the `bench classify` corpus)."""
    rows = listing_pages(0.4, seed=7)
    _assert_same(classifier, rows)
    assert sum(classifier.classify(r["text"], r["title"]).irregular for r in rows) > 10


@pytest.mark.parametrize(
    "name", ["sandbox-2025", "devset", "heldout", "heldout2", "heldout3", "pages", "threads"]
)
def test_same_verdicts_on_labelled_sets(classifier: Classifier, name: str) -> None:
    lines = (DATA / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    _assert_same(classifier, [json.loads(line) for line in lines if line.strip()])


def test_same_verdicts_on_realset_excerpts(classifier: Classifier) -> None:
    """``tests/data/realset.jsonl`` keeps labels only; its excerpts live in a git-ignored cache
    written at development time (``scripts/realset.py``)."""
    if not REALSET_CACHE.exists():
        pytest.skip(
            f"no real-set excerpts: {REALSET_CACHE} is written by hand (tests/data/README.md)"
        )
    rows = [json.loads(line) for line in REALSET_CACHE.read_text(encoding="utf-8").splitlines()]
    _assert_same(classifier, [{"text": r.get("excerpt") or ""} for r in rows if r.get("excerpt")])


def test_the_comparison_has_teeth(classifier: Classifier, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two paths that disagree on one condition (line contexts) are caught on the sandbox pages.

    The condition is dropped from the reference side: the fast engine may be compiled
    (mypyc), and a compiled class's methods cannot be patched."""
    rows = listing_pages(0.1, seed=7)
    fast = _verdicts(classifier, rows)
    assert _verdicts(ReferenceClassifier.of(classifier), rows) == fast
    monkeypatch.setattr(classifier_reference, "_same_line", lambda norm, a, b: False)
    assert _verdicts(ReferenceClassifier.of(classifier), rows) != fast
