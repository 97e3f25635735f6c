"""The YAML rule language, validated by Pydantic; every error names the file, the rule and the field.

A pack file (``rules/<name>.yaml``)::

    pack: guaranteed_grant
    version: "2026.11.1"
    rules:
      - id: gg.promise_grant
        category: guaranteed_grant
        severity: high
        weight: 0.9
        explanation: 承诺专利授权结果
        legal_basis: ...          # optional; the category's bases by default
        any: [包授权, 保下证]       # anchor terms: each occurrence is a candidate hit
        all: [[专利, 商标]]         # every group needs a term within ``window`` of the anchor
        context: [专利, 商标]       # the topic: one term within ``context_window`` (default 80)
        none: [不承诺]              # a term within ``window`` cancels the hit
        regex: ['\\d+天下证']        # with ``any``: must match near the anchor; alone: anchors
        regex_covers_anchor: true  # with ``any``: the match must contain the anchor itself
        window: 40                 # characters of normalized text either side (12 or less:
                                   # one phrase, read on the anchor's line, see Rule.reach)
        line: 150                  # instead: ``all`` groups and ``none`` anywhere on the anchor's
                                   # own line (a paragraph or a post), at most 150 either side
        word: [保过]                # anchors that must be whole words (jieba, small window)
        exceptions: [reporting]    # named contexts from rules/exceptions.yaml
        examples:
          match: [...]             # the rule must fire on each
          no_match: [...]          # and must not fire on these

Terms are written plainly; they go through the same normalization as the text,
so traditional or full-width spellings in a pack still work.  A term ``@name``
stands for the list ``name`` in ``rules/concepts.yaml``: rules that pair
concepts ("@failure" near "@compensation") catch wordings no one wrote down.

A post or a paragraph spreads one offer over a few sentences (the certificate in one,
"人不用来" in the next, the yearly fee in a third), farther apart than any fixed window
that would not also join unrelated lines.  ``line: N`` reads a rule's ``all`` groups and
its ``none`` terms on the anchor's own line of the original text (a paragraph, a post: the
line breaks that exception contexts marked ``line`` stop at, see
``Merged.same_line``), within N characters either side; ``window`` still bounds ``regex``.
A structural rule that pairs concepts across a post uses it: a warning or a news item in
the next post cannot lend it a term.

``rules/exceptions.yaml`` names contexts that cancel a hit: negation,
reporting/warning, news, public questions, retail, exam prep.  Each has terms,
either a window (``before``/``after`` characters around the anchor) or
``scope: document``, and optionally ``unless`` terms that switch it off (a
rhetorical question or a news quote followed by "加微信详聊" is still an ad).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from classifiers.categories import CategoryKey, Severity
from classifiers.yamltext import load_yaml


def check_regexes(patterns: list[str]) -> list[str]:
    """The patterns, unchanged, once each compiles (a validator for rule and cue files)."""
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"regex {pattern!r} does not compile: {exc}") from exc
    return patterns


#: a window this short pairs the words of one phrase ("授权后付款"), which a line break ends
PHRASE_WINDOW: Final = 12


class RulePackError(Exception):
    """A rule file is unreadable or invalid; the message names file, rule and field."""


class Examples(BaseModel):
    model_config = ConfigDict(extra="forbid")

    match: list[str] = Field(min_length=1)
    no_match: list[str] = Field(default_factory=list)


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
    category: CategoryKey
    severity: Severity
    weight: float = Field(gt=0.0, le=1.0)
    explanation: str = Field(min_length=2)
    legal_basis: str | None = None
    any: list[str] = Field(default_factory=list)
    all: list[list[str]] = Field(default_factory=list)
    none: list[str] = Field(default_factory=list)
    regex: list[str] = Field(default_factory=list)
    window: int = Field(default=40, ge=1, le=2000)
    line: int = Field(
        default=0,
        ge=0,
        le=2000,
        description="when set, the all groups and none terms are looked for on the anchor's "
        "own line (paragraph or post), at most this many characters either side, instead "
        "of within window",
    )
    context: list[str] = Field(
        default_factory=list,
        description="topic terms, one of which must occur within context_window",
    )
    context_window: int = Field(default=80, ge=1, le=5000)
    regex_covers_anchor: bool = Field(
        default=False,
        description="with anchors: a regex match must contain the anchor, not just lie within "
        "the window (another post's or a quoted line's match does not lend itself to this one)",
    )
    word: list[str] = Field(default_factory=list)
    exceptions: list[str] = Field(default_factory=list)
    examples: Examples

    @property
    def reach(self) -> int:
        """How far either side of the anchor its groups and ``none`` terms are read on the
        anchor's own line: ``line``, or, for a rule whose window is a phrase's (at most
        ``PHRASE_WINDOW``), that window, since a line break ends a phrase: a list's next bullet
        ("补正不另收费）" / "授权后代办登记") is another claim.  0: within ``window``, lines or not."""
        if self.line:
            return self.line
        return self.window if self.window <= PHRASE_WINDOW else 0

    @field_validator("any", "none", "word")
    @classmethod
    def _non_empty_terms(cls, value: list[str]) -> list[str]:
        for term in value:
            if not term.strip():
                raise ValueError("empty term")
        return value

    @field_validator("all")
    @classmethod
    def _groups(cls, value: list[list[str]]) -> list[list[str]]:
        for i, group in enumerate(value):
            if not group:
                raise ValueError(f"group {i} is empty")
            if any(not t.strip() for t in group):
                raise ValueError(f"group {i} has an empty term")
        return value

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: list[str]) -> list[str]:
        return check_regexes(value)

    @model_validator(mode="after")
    def _has_anchor(self) -> Rule:
        if not (self.any or self.all or self.regex):
            raise ValueError("a rule needs at least one of any, all or regex")
        stray = set(self.word) - set(self.any) - {t for g in self.all[:1] for t in g}
        if stray:
            raise ValueError(f"word lists terms that are not anchors: {sorted(stray)}")
        return self


class ExceptionContext(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = ""
    terms: list[str] = Field(min_length=1)
    scope: Literal["window", "document"] = "window"
    before: int = Field(default=20, ge=0, le=500)
    after: int = Field(default=20, ge=0, le=500)
    quoted: bool = Field(
        default=False,
        description="applies only to an anchor inside quotation marks (a quoted phrase)",
    )
    unless: list[str] = Field(
        default_factory=list,
        description="the context does not apply when any of these occurs in the document "
        "(a rhetorical question followed by an offer is still an ad)",
    )
    line: bool = Field(
        default=False,
        description="a window context counts only terms on the anchor's own line: in a "
        "forum thread a warning in one reply does not cancel an ad in the next",
    )
    unless_near: list[str] = Field(
        default_factory=list,
        description="the context does not cancel an anchor that has one of these in its own "
        "window (on its line, for a line context): a seller's first-person offer beside the "
        "victim's words it borrows ('牌子被别人注册了？我们专业撤三') is still an offer, "
        "while the same words elsewhere on the page leave the context alone",
    )


class Signals(BaseModel):
    """Context that strengthens a category already hit: a call to private contact."""

    model_config = ConfigDict(extra="forbid")

    contact_terms: list[str] = Field(default_factory=list)
    contact_boost: float = Field(default=0.0, ge=0.0, le=1.0)


class RulePack(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pack: str = Field(min_length=1)
    version: str = Field(min_length=1)
    description: str = ""
    rules: list[Rule] = Field(min_length=1)
    source: Path | None = Field(default=None, exclude=True)

    @classmethod
    def from_file(cls, path: Path) -> RulePack:
        """Load and validate one pack; errors name the file, the rule id (or index) and the field."""
        data = _read_yaml(path)
        try:
            pack = cls.model_validate(data)
        except ValidationError as exc:
            raise RulePackError(_describe(path, data, exc)) from exc
        seen: set[str] = set()
        for rule in pack.rules:
            if rule.id in seen:
                raise RulePackError(f"{path}: rule {rule.id}: field id: duplicate rule id")
            seen.add(rule.id)
        pack.source = path
        return pack


class ExceptionsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    contexts: dict[str, ExceptionContext]
    signals: Signals = Field(default_factory=Signals)

    @classmethod
    def from_file(cls, path: Path) -> ExceptionsFile:
        data = _read_yaml(path)
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise RulePackError(_describe(path, data, exc)) from exc


def _read_yaml(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RulePackError(f"{path}: cannot read: {exc}") from exc
    try:
        return load_yaml(text)
    except yaml.YAMLError as exc:
        raise RulePackError(f"{path}: not valid YAML: {exc}") from exc


def _describe(path: Path, data: object, exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        loc = list(error["loc"])
        where = ""
        if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
            index = loc[1]
            rules = data.get("rules") if isinstance(data, dict) else None
            rule_id = None
            if isinstance(rules, list) and index < len(rules) and isinstance(rules[index], dict):
                rule_id = rules[index].get("id")
            where = f"rule {rule_id or f'#{index}'}: "
            loc = loc[2:]
        field = ".".join(str(p) for p in loc) or "(top level)"
        problems.append(f"{where}field {field}: {error['msg']}")
    return f"{path}: " + "; ".join(problems)
