"""Where each term occurs on a page, and the per-page merges the rule conditions look up."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable

from classifiers.normalize import Normalized

_LINE_BREAK = re.compile("\n")

Occurrences = dict[str, list[int]]


class Merged:
    """Per document: the occurrences of a set of terms merged into one sorted list, built on demand."""

    __slots__ = ("_occ", "_cache", "_present", "_breaks")

    def __init__(self, occ: Occurrences) -> None:
        self._occ = occ
        self._cache: dict[int, tuple[list[int], list[int]]] = {}
        self._present: dict[int, bool] = {}
        self._breaks: list[int] | None = None

    def any_present(self, terms: tuple[str, ...]) -> bool:
        """Whether any of ``terms`` occurs on the page (cached per term list)."""
        found = self._present.get(id(terms))
        if found is None:
            occ = self._occ
            found = self._present[id(terms)] = any(term in occ for term in terms)
        return found

    def _spans(self, terms: tuple[str, ...]) -> tuple[list[int], list[int]]:
        found = self._cache.get(id(terms))
        if found is None:
            occ = self._occ
            present = [term for term in terms if term in occ]
            if not present:
                found = ([], [])
            elif len(present) == 1:
                starts = occ[present[0]]
                n = len(present[0])
                found = (starts, [p + n for p in starts])
            else:
                # (start, length) packed in one int sorts like the (start, end) pairs it stands for
                keys = sorted([p << 16 | len(term) for term in present for p in occ[term]])
                starts = [k >> 16 for k in keys]
                found = (starts, [k + (s & 0xFFFF) for k, s in zip(starts, keys, strict=True)])
            self._cache[id(terms)] = found
        return found

    def same_line(self, norm: Normalized, a: tuple[int, int], b: tuple[int, int]) -> bool:
        """Whether two normalized spans come from one line of the original (no line break between)."""
        a0, a1 = norm.original_span(*a)
        b0, b1 = norm.original_span(*b)
        breaks = self._breaks
        if breaks is None:
            breaks = self._breaks = [m.start() for m in _LINE_BREAK.finditer(norm.original)]
        lo, hi = min(a0, b0), max(a1, b1)
        # no line break in original[lo:hi]
        return bisect.bisect_left(breaks, lo) == bisect.bisect_left(breaks, hi)

    def nearest(
        self, terms: tuple[str, ...], lo: int, hi: int, start: int, end: int
    ) -> tuple[int, int] | None:
        """The occurrence inside ``[lo, hi)`` closest to the anchor ``[start, end)``, if any."""
        starts, ends = self._spans(terms)
        i = bisect.bisect_left(starts, lo)
        best: tuple[int, int] | None = None
        best_gap = 1 << 30
        while i < len(starts) and starts[i] < hi:
            if ends[i] <= hi:
                gap = max(starts[i] - end, start - ends[i], 0)
                if gap < best_gap:
                    best, best_gap = (starts[i], ends[i]), gap
            i += 1
        return best

    def spans_within(
        self, terms: tuple[str, ...], lo: int, hi: int, exclude: tuple[int, int]
    ) -> Iterable[tuple[int, int]]:
        """Every occurrence entirely inside ``[lo, hi)`` but not inside ``exclude``."""
        starts, ends = self._spans(terms)
        i = bisect.bisect_left(starts, lo)
        while i < len(starts) and starts[i] < hi:
            if ends[i] <= hi and not (starts[i] >= exclude[0] and ends[i] <= exclude[1]):
                yield starts[i], ends[i]
            i += 1

    def within(
        self, terms: tuple[str, ...], lo: int, hi: int, exclude: tuple[int, int] | None = None
    ) -> bool:
        """Whether a term occurs entirely inside ``[lo, hi)``, not counting one inside ``exclude``.

        ``exclude`` is the anchor: "都是骗子" is not cancelled by the cue "骗子" it
        contains, while "不承诺" still cancels the overlapping anchor "承诺授权".
        """
        starts, ends = self._spans(terms)
        i = bisect.bisect_left(starts, lo)
        n = len(starts)
        while i < n and starts[i] < hi:
            if ends[i] <= hi and not (
                exclude is not None and starts[i] >= exclude[0] and ends[i] <= exclude[1]
            ):
                return True
            i += 1
        return False
