"""A page's sentences as the stance reading sees them: its stance cues by position, its
sentence ends, and whether a question is answered by what follows it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from classifiers.bisection import bisect_left, bisect_right
from classifiers.normalize import Normalized

#: what an answer needs after the question in the same paragraph (one short clause)
ANSWER_MIN: Final = 8
#: how far the answer to a question is read for its stance, and which stances it passes on
ANSWER_SENTENCES: Final = 2
ANSWER_STANCES: Final = ("denied", "reported", "hearsay")


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
    k = bisect_right(marks.ends, question_end)
    # a line break after the question is a sentence end of its own: skip empty sentences
    while k < len(marks.ends) and marks.ends[k] == marks.ends[k - 1] + 1:
        k += 1
    stop = (
        marks.ends[min(k + ANSWER_SENTENCES - 1, len(marks.ends) - 1)]
        if k < len(marks.ends)
        else None
    )
    lo = bisect_right(marks.starts, question_end)
    hi = len(marks.starts) if stop is None else bisect_left(marks.starts, stop)
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


def sentence_span(marks: Marks, n_start: int, n_end: int, length: int) -> tuple[int, int]:
    """The normalized ``[s, e)`` of the sentence that holds ``[n_start, n_end)`` (``e`` is its
    end mark, or ``length``)."""
    i = bisect_left(marks.ends, n_start)
    j = bisect_left(marks.ends, n_end)
    return (marks.ends[i - 1] + 1 if i > 0 else 0), (
        marks.ends[j] if j < len(marks.ends) else length
    )


#: stances whose cue may sit inside the matched words ("从不出借", "有人找我挂证")
_INSIDE: Final = ("denied", "hearsay", "reported")


def sentence_cues(
    marks: Marks,
    stance_terms: Mapping[str, Sequence[tuple[str, str]]],
    s: int,
    e: int,
    n_start: int,
    n_end: int,
) -> tuple[dict[tuple[str, str], str], tuple[int, int]]:
    """The stance cues of the sentence ``[s, e)`` that bear on the hit ``[n_start, n_end)``:
    (stance, before/after) -> the first cue found there, and the normalized span of the
    first first-person offer cue (for a quoted claim).  A break cue (``("break", "before")``
    in ``stance_terms``) before the hit cuts off what precedes it."""
    cues = marks.found[bisect_left(marks.starts, s) : bisect_left(marks.starts, e)]
    cut = s
    for _, end, term in cues:
        if end <= n_start and ("break", "before") in stance_terms[term]:
            cut = max(cut, end)
    # a longer phrase that cancels a cue it covers ("我们可以看到" is no "我们可以", "没有什么
    # 风险" no question)
    covers = [
        (start, end, name)
        for start, end, term in cues
        for name, where in stance_terms[term]
        if where == "unless"
    ]
    seen: dict[tuple[str, str], str] = {}
    offer_at = (0, 0)
    for start, end, term in cues:
        if start < cut or end > e:
            continue
        for name, where in stance_terms[term]:
            if (
                name == "break"
                or where == "unless"
                or (covers and _covered(covers, start, end, name))
            ):
                continue
            if where == "before":
                # a denial, a retelling or a third party's claim may sit inside the matched
                # words ("部分机构承诺…"); an offer anywhere in the sentence
                limit = e if name == "offered" else n_end if name in _INSIDE else n_start
                ok = end <= limit
            else:
                ok = start >= n_end
            if ok:
                if name == "offered" and (name, where) not in seen:
                    offer_at = (start, end)
                seen.setdefault((name, where), term)
    return seen, offer_at


def uncovered(occ: Mapping[str, list[int]], term: str, phrases: Sequence[str]) -> list[int]:
    """``term``'s occurrences (normalized starts) outside every occurrence of ``phrases``: the
    longer phrases that cancel a cue they cover ("我们可以看到", "不建议").  The list may be
    ``occ``'s own: read it, do not change it."""
    covers = [(p, p + len(u)) for u in phrases for p in occ.get(u, ())]
    at = occ.get(term, [])
    if not covers:  # most pages: no such phrase at all
        return at
    n = len(term)
    return [p for p in at if not any(s <= p and p + n <= e for s, e in covers)]


def _covered(covers: list[tuple[int, int, str]], start: int, end: int, name: str) -> bool:
    """Whether an ``unless`` phrase of stance ``name`` covers the cue at ``[start, end)``."""
    return any(s <= start and end <= e and n == name for s, e, n in covers)


def sentences_with(marks: Marks, terms: frozenset[str]) -> frozenset[int]:
    """The indices (into ``marks.ends``) of the sentences holding one of the cue ``terms``."""
    return frozenset(
        bisect_left(marks.ends, start) for start, _, term in marks.found if term in terms
    )


def touches(marks: Marks, start: int, end: int, sentences: frozenset[int]) -> bool:
    """Whether the span ``[start, end)`` lies in one of ``sentences`` (see ``sentences_with``)."""
    i, j = bisect_left(marks.ends, start), bisect_left(marks.ends, end)
    return any(k in sentences for k in range(i, j + 1))
