"""Precision, recall and F1 of the classifier on a labelled JSON Lines file (``lantian eval``).

Each line: ``text`` (and optional ``title``), ``irregular`` (bool) and
``categories`` (keys, first = best fit).  ``irregular`` defaults to whether
``categories`` is non-empty.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from classifiers.categories import CATEGORY_KEYS
from classifiers.engine import Classifier

NONE = "-"


class DatasetError(Exception):
    """A line of the labelled file is not usable; the message names file and line."""


@dataclass(frozen=True, slots=True)
class Example:
    id: str
    text: str
    title: str
    irregular: bool
    categories: list[str]
    source: str


@dataclass(slots=True)
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@dataclass(slots=True)
class Report:
    total: int = 0
    overall: Counts = field(default_factory=Counts)
    per_category: dict[str, Counts] = field(
        default_factory=lambda: {k: Counts() for k in CATEGORY_KEYS}
    )
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "overall": self.overall.as_dict(),
            "per_category": {k: c.as_dict() for k, c in self.per_category.items()},
            "confusion": [
                {"gold": g, "predicted": p, "count": n}
                for (g, p), n in sorted(self.confusion.items())
            ],
            "errors": self.errors,
        }


def read_examples(path: Path) -> Iterator[Example]:
    """The labelled examples of ``path``; a bad line raises :class:`DatasetError` naming it."""
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise DatasetError(f"{path}: cannot open: {exc}") from exc
    with handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DatasetError(f"{path}:{number}: not JSON: {exc.msg}") from exc
            if not isinstance(row, dict) or not isinstance(row.get("text"), str):
                raise DatasetError(f"{path}:{number}: needs an object with a string 'text'")
            cats = row.get("categories") or []
            unknown = [c for c in cats if c not in CATEGORY_KEYS]
            if not isinstance(cats, list) or unknown:
                raise DatasetError(f"{path}:{number}: field categories: unknown keys {unknown}")
            yield Example(
                id=str(row.get("id", number)),
                text=row["text"],
                title=str(row.get("title") or ""),
                irregular=bool(row.get("irregular", bool(cats))),
                categories=list(cats),
                source=str(row.get("source", "")),
            )


def evaluate(classifier: Classifier, examples: Iterable[Example]) -> Report:
    report = Report()
    for ex in examples:
        report.total += 1
        verdict = classifier.classify(ex.text, ex.title)
        predicted = set(verdict.categories)
        if verdict.irregular and ex.irregular:
            report.overall.tp += 1
        elif verdict.irregular:
            report.overall.fp += 1
        elif ex.irregular:
            report.overall.fn += 1
        gold = set(ex.categories)
        for key in CATEGORY_KEYS:
            counts = report.per_category[key]
            if key in gold and key in predicted:
                counts.tp += 1
            elif key in predicted:
                counts.fp += 1
            elif key in gold:
                counts.fn += 1
        gold_top = ex.categories[0] if ex.categories else NONE
        pred_top = verdict.categories[0] if verdict.categories else NONE
        if gold_top != NONE and gold_top in predicted:
            pred_top = gold_top
        report.confusion[(gold_top, pred_top)] += 1
        if verdict.irregular != ex.irregular or gold != predicted:
            report.errors.append(
                {
                    "id": ex.id,
                    "gold": ex.categories,
                    "predicted": verdict.categories,
                    "score": verdict.score,
                    "rules": sorted({h.rule for h in verdict.hits}),
                    "text": ex.text[:120],
                }
            )
    return report
