"""A page's sentences as the stance reading sees them: its stance cues by position, its
sentence ends, and whether a question is answered by what follows it."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from classifiers.normalize import Normalized

#: what an answer needs after the question in the same paragraph (one short clause)
ANSWER_MIN = 8
#: how far the answer to a question is read for its stance, and which stances it passes on
ANSWER_SENTENCES = 2
ANSWER_STANCES = ("denied", "reported", "hearsay")


@dataclass(frozen=True, slots=True)
class Marks:
    """A page's stance cues (``found``: start, end, term; ``starts`` for bisecting) and the
    positions of its sentence ends."""

    starts: list[int]
    found: list[tuple[int, int, str]]
    ends: list[int]


def question_answered(norm: Normalized, question_end: int, block_end: int | None) -> bool:
    """Whether the paragraph goes on after the question ending at normalized ``question_end``
    (the question is then a heading the writer answers, not a reader asking)."""
    if block_end is None or question_end >= len(norm.text):
        return False
    after = norm.original_span(question_end, question_end + 1)[1]
    return len(norm.original[after:block_end].strip()) >= ANSWER_MIN


def answer_stance(
    marks: Marks,
    question_end: int,
    stance_terms: Mapping[str, Sequence[tuple[str, str]]],
) -> tuple[str, str] | None:
    """The denial, report or retelling in the answer to the question ending at
    ``question_end``: the next ``ANSWER_SENTENCES`` sentences."""
    k = bisect.bisect_right(marks.ends, question_end)
    # a line break after the question is a sentence end of its own: skip empty sentences
    while k < len(marks.ends) and marks.ends[k] == marks.ends[k - 1] + 1:
        k += 1
    stop = (
        marks.ends[min(k + ANSWER_SENTENCES - 1, len(marks.ends) - 1)]
        if k < len(marks.ends)
        else None
    )
    lo = bisect.bisect_right(marks.starts, question_end)
    hi = len(marks.starts) if stop is None else bisect.bisect_left(marks.starts, stop)
    seen: dict[str, str] = {}
    for _, _, term in marks.found[lo:hi]:
        for name, _where in stance_terms[term]:
            if name in ANSWER_STANCES:
                seen.setdefault(name, term)
    for name in ANSWER_STANCES:
        if name in seen:
            return name, f"answered: {seen[name]}"
    return None


def find_all(text: str, terms: Iterable[str]) -> dict[str, list[int]]:
    """Every occurrence of each term (for the few short example texts; pages use the rules' scan)."""
    out: dict[str, list[int]] = {}
    for term in terms:
        at = text.find(term)
        while at >= 0:
            out.setdefault(term, []).append(at)
            at = text.find(term, at + 1)
    return out
