"""The schema of ``rules/genres.yaml`` and ``rules/stances.yaml``, and reading them."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from classifiers.pack import RulePackError, check_regexes
from classifiers.yamltext import load_yaml

Stance = Literal["offered", "promoted", "described", "reported", "denied", "asked", "hearsay"]
Voice = Literal["offered", "described", "reported", "asked"]
#: Stances decided by cues in the hit's sentence or block, in the order they are checked.
STANCES: tuple[str, ...] = ("asked", "denied", "hearsay", "reported", "offered", "promoted")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Examples(_Model):
    match: list[str] = Field(min_length=1)
    no_match: list[str] = Field(default_factory=list)


class Cue(_Model):
    name: str = Field(min_length=1)
    description: str = ""
    weight: float = Field(gt=0.0, le=10.0)
    cap: int = Field(default=2, ge=1, le=20)
    title: bool = Field(default=False, description="look only at the title block")
    #: a cue that site chrome carries as often as a seller's own text (a call to act, "本站",
    #: a hotline): it names the genre, but on a page with article structure it does not make
    #: the article's own paragraphs speak as a seller (``Discourse.voice``)
    chrome: bool = False
    terms: list[str] = Field(default_factory=list)
    regex: list[str] = Field(default_factory=list)

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: list[str]) -> list[str]:
        return check_regexes(value)


class GenreSpec(_Model):
    description: str = Field(min_length=2)
    voice: Voice
    cues: list[Cue] = Field(min_length=1)
    examples: Examples


class SignalPatterns(_Model):
    """Calls to act recognised by their structure (an urging word or a call, then "consult",
    "call", "contact" and the seller as object), in any wording no term list holds."""

    description: str = Field(min_length=2)
    regex: list[str] = Field(min_length=1)
    examples: Examples

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: list[str]) -> list[str]:
        return check_regexes(value)


class OthersCalls(_Model):
    """Whose call to act: one that its sentence refuses, retells or reports (the denied, hearsay
    and reported cues of stances.yaml before it) or that has another party (``others``) as its
    subject is not the speaker's, and ties nothing."""

    description: str = Field(min_length=2)
    others: list[str] = Field(min_length=1)
    #: each text holds a call to act: ``match`` texts' calls are all someone else's, each
    #: ``no_match`` text has one of the speaker's own
    examples: Examples


class ReplyCues(_Model):
    """Words by which a reply in a thread speaks to the asker (楼主, 你的...): under a reader's
    question such a reply answers it, in the voice of an answer, not a seller's."""

    description: str = Field(min_length=2)
    terms: list[str] = Field(min_length=1)
    #: ``match`` replies speak to the asker, ``no_match`` ones do not
    examples: Examples


class QaTurns(_Model):
    """The openings of a question-and-answer page's turns (问：, 问题描述 / 答：, 律师回答): the
    asker and the answerer are two speakers, and a call to act ties only its own speaker's hits
    (a lawyer's phone under a reader's question does not make the question an offer)."""

    description: str = Field(min_length=2)
    question: list[str] = Field(min_length=1)
    answer: list[str] = Field(min_length=1)
    #: ``match`` lines open a turn, ``no_match`` lines do not
    examples: Examples

    def turn(self, line: str) -> str | None:
        """``question`` or ``answer`` when ``line`` opens a turn, else None."""
        head = line.lstrip()
        if head.startswith(tuple(self.question)):
            return "question"
        if head.startswith(tuple(self.answer)):
            return "answer"
        return None


class GenresFile(_Model):
    version: str
    min_score: float = Field(gt=0.0)
    article_length: int = Field(default=200, ge=1)
    #: the seller-side score (seller_offer, shop_page or retail) from which a page no genre
    #: claims is read as an advert: one call to act or offer to arrange, not a lone "小编"
    seller_min: float = Field(default=1.5, gt=0.0)
    #: the score of an article genre (voice described or reported) from which a page no genre
    #: claims, shorter than ``article_length``, is read as an article all the same
    article_min: float = Field(default=1.0, gt=0.0)
    signals: list[str] = Field(min_length=1)
    call_to_act: SignalPatterns | None = None
    #: calls to act that offer the service itself (a need or a service named with the call,
    #: an order button), not an invitation to ask questions: only these tie a hit the page
    #: merely describes (``Discourse.judge``)
    offer_call: SignalPatterns | None = None
    others_calls: OthersCalls | None = None
    replies: ReplyCues | None = None
    qa_turns: QaTurns | None = None
    #: rules whose phrase names the subject a practice is about (job titles, inventor
    #: positions), which an article describes in its own voice, not a claim only a seller makes
    topics: list[str] = Field(default_factory=list)
    genres: dict[str, GenreSpec] = Field(min_length=1)


class StanceSpec(_Model):
    description: str = Field(min_length=2)
    before: list[str] = Field(default_factory=list)
    after: list[str] = Field(default_factory=list)
    block: list[str] = Field(default_factory=list)
    #: longer phrases that begin with a ``before`` cue and cancel it where they stand (an
    #: explainer's "我们可以看到" is the writer and reader together, not an offer)
    unless: list[str] = Field(default_factory=list)
    #: ``denied`` only: negation by structure (classifiers/negation.py)
    negators: list[str] = Field(default_factory=list)
    light: list[str] = Field(default_factory=list)
    governs: list[str] = Field(default_factory=list)
    compounds: list[str] = Field(default_factory=list)
    prohibitive: list[str] = Field(default_factory=list)
    concessive: list[str] = Field(default_factory=list)
    #: ``hearsay`` only: the verbs that open someone else's quoted words ("信了“…”")
    quoting: list[str] = Field(default_factory=list)
    examples: Examples


class StancesFile(_Model):
    version: str
    breaks: list[str] = Field(default_factory=list)
    stances: dict[str, StanceSpec]

    @field_validator("stances")
    @classmethod
    def _known(cls, value: dict[str, StanceSpec]) -> dict[str, StanceSpec]:
        unknown = sorted(set(value) - set(STANCES))
        missing = sorted(set(STANCES) - set(value))
        if unknown or missing:
            raise ValueError(
                f"stances must be exactly {list(STANCES)}; unknown {unknown}, missing {missing}"
            )
        return value


_M = TypeVar("_M", bound=_Model)


def load_model(path: Path, model: type[_M]) -> _M:
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise RulePackError(f"{path}: cannot read: {exc}") from exc
    except yaml.YAMLError as exc:
        raise RulePackError(f"{path}: not valid YAML: {exc}") from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"field {'.'.join(str(p) for p in e['loc']) or '(top level)'}: {e['msg']}"
            for e in exc.errors()
        )
        raise RulePackError(f"{path}: {problems}") from exc
