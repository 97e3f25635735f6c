"""What the classifier returns: a verdict with its hits and entities."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Final

from classifiers.blocks import Block, by_fields

SEVERITY_RANK: Final = {"low": 1, "medium": 2, "high": 3}


# not frozen: a frozen dataclass's __init__ sets each field through object.__setattr__, about
# ten times a plain one, and a page builds hundreds; never mutated (unsafe_hash keeps it hashable)
@dataclass(slots=True, unsafe_hash=True)
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
    #: the block the hit is in (index into ``Verdict.blocks``), its stance there, whether it
    #: counts toward ``irregular``, and the words that decided the stance
    block: int | None = None
    stance: str = "offered"
    counted: bool = True
    why: str = ""

    # written out, not generated: compiled (mypyc), a dataclass's generated __init__ runs as
    # Python, setting each field through its descriptor, about 4,000 instructions a hit; this
    # one is native.  The dataclass keeps its fields, eq, hash, replace() and asdict().
    def __init__(
        self,
        rule: str,
        category: str,
        severity: str,
        weight: float,
        start: int,
        end: int,
        match: str,
        explanation: str,
        legal_basis: str,
        block: int | None = None,
        stance: str = "offered",
        counted: bool = True,
        why: str = "",
    ) -> None:
        self.rule = rule
        self.category = category
        self.severity = severity
        self.weight = weight
        self.start = start
        self.end = end
        self.match = match
        self.explanation = explanation
        self.legal_basis = legal_basis
        self.block = block
        self.stance = stance
        self.counted = counted
        self.why = why

    def __reduce__(self) -> tuple[type[Hit], tuple[Any, ...]]:
        return by_fields(self)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# not frozen: a frozen dataclass's __init__ sets each field through object.__setattr__, about
# ten times a plain one, and a page builds hundreds; never mutated (unsafe_hash keeps it hashable)
@dataclass(slots=True, unsafe_hash=True)
class Entity:
    """A contact or identity found in the text; ``value`` is normalized for linking."""

    kind: str
    value: str
    start: int
    end: int

    # written out, not generated, so that compiled (mypyc) it runs native (see Hit)
    def __init__(self, kind: str, value: str, start: int, end: int) -> None:
        self.kind = kind
        self.value = value
        self.start = start
        self.end = end

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __reduce__(self) -> tuple[type[Entity], tuple[Any, ...]]:
        return by_fields(self)


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
    #: the page's genre (``rules/genres.yaml``; ``other`` when no genre's cues suffice)
    genre: str = "other"
    genre_evidence: list[str] = field(default_factory=list)
    #: ``offer`` (flagged: a reviewer should act), ``watch`` (pushes the practice without an
    #: offer: kept and searchable, not flagged) or ``none``
    tier: str = "none"
    watch_categories: list[str] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    #: the block of the first counted hit: on a thread, the post that makes the offer
    offending_block: int | None = None

    @property
    def offending(self) -> Block | None:
        if self.offending_block is None or self.offending_block >= len(self.blocks):
            return None
        return self.blocks[self.offending_block]

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
            "genre": self.genre,
            "genre_evidence": list(self.genre_evidence),
            "tier": self.tier,
            "watch_categories": list(self.watch_categories),
            "blocks": [b.to_dict() for b in self.blocks],
            "offending_block": self.offending_block,
        }
