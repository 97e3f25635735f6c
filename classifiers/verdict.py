"""What the classifier returns: a verdict with its hits and entities."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SEVERITY_RANK = {"low": 1, "medium": 2, "high": 3}


@dataclass(frozen=True, slots=True)
class Hit:
    """One rule that fired.  ``start``/``end`` index the classified string (see ``Classifier.classify``)."""

    rule: str
    category: str
    severity: str
    weight: float
    start: int
    end: int
    match: str
    explanation: str
    legal_basis: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Entity:
    """A contact or identity found in the text; ``value`` is normalized for linking."""

    kind: str
    value: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class Verdict:
    irregular: bool
    score: float
    categories: list[str]
    severity: str | None
    hits: list[Hit] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    rules_version: str = ""
    category_scores: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "irregular": self.irregular,
            "score": self.score,
            "categories": list(self.categories),
            "severity": self.severity,
            "hits": [h.to_dict() for h in self.hits],
            "entities": [e.to_dict() for e in self.entities],
            "rules_version": self.rules_version,
            "category_scores": dict(self.category_scores),
        }
