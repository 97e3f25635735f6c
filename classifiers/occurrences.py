"""Where each term occurs on a page, and the per-page merges the rule conditions look up."""

from __future__ import annotations

from collections.abc import Iterable

from classifiers.bisection import bisect_left
from classifiers.normalize import Normalized

Occurrences = dict[str, list[int]]


class Merged:
    """Per document: the occurrences of a set of terms merged into one sorted list, built on demand."""

    __slots__ = (
        "_occ",
        "_cache",
        "_merged",
        "_terms",
        "_present",
        "_breaks",
        "_start_line",
        "_end_line",
        "active_contexts",
        "gates",
    )

    def __init__(self, occ: Occurrences, gates: set[str] | None = None) -> None:
        self._occ = occ
        #: the regexes' required strings on the page (``Classifier._scan``); None: not looked for
        self.gates = gates
        self._cache: dict[int, list[int]] = {}
        #: the merged lists by the terms present: term lists that differ in absent terms only
        #: ("包", "保证", "承诺" and "包", "保证" on a page without "承诺") share one
        self._merged: dict[frozenset[str], list[int]] = {}
        self._terms: dict[str, list[int]] = {}
        self._present: dict[int, bool] = {}
        self._breaks: list[int] | None = None
        self._start_line: dict[int, int] = {}
        self._end_line: dict[int, int] = {}
        #: exception context name -> whether it can cancel a hit on this page (see ``evaluate``)
        self.active_contexts: dict[str, bool] = {}

    def any_present(self, terms: tuple[str, ...]) -> bool:
        """Whether any of ``terms`` occurs on the page (cached per term list)."""
        found = self._present.get(id(terms))
        if found is None:
            # in C: a rule's or context's term list is often dozens of terms, mostly absent
            found = self._present[id(terms)] = not self._occ.keys().isdisjoint(terms)
        return found

    def _spans(self, terms: tuple[str, ...]) -> list[int]:
        """The occurrences of ``terms`` sorted, each packed as ``start << 16 | length``: one list
        built per page and term list, and a start bound ``lo`` is the key ``lo << 16``.  A query
        reads a few entries around its window, so nothing else is built for all of them."""
        found = self._cache.get(id(terms))
        if found is None:
            # the terms on the page, in C: a concept's list holds dozens of terms, mostly absent
            present = self._occ.keys() & terms
            if len(present) == 1:
                found = self._packed(present.pop())
            else:
                key = frozenset(present)
                merged = self._merged.get(key)
                if merged is None:
                    # each list is sorted (and no two terms share a key): timsort merges the
                    # runs, in C
                    merged = []
                    for term in present:
                        merged.extend(self._packed(term))
                    merged.sort()
                    self._merged[key] = merged
                found = merged
            self._cache[id(terms)] = found
        return found

    def _packed(self, term: str) -> list[int]:
        """One term's occurrences packed, built once per page: the popular terms (专利, 授权)
        stand in many rules' term lists."""
        found = self._terms.get(term)
        if found is None:
            n = len(term)
            found = self._terms[term] = [p << 16 | n for p in self._occ[term]]
        return found

    def same_line(self, norm: Normalized, a: tuple[int, int], b: tuple[int, int]) -> bool:
        """Whether two normalized spans come from one line of the original (no line break between)."""
        # The map back to the original is monotonic: the two spans' hull maps to their hull, whose
        # start depends on the hull's start alone and its end on its end alone.  So each is
        # looked up once per page as the number of line breaks before it: an exception context
        # asks this at every anchor, and the anchors and the cue terms recur.
        start = a[0] if a[0] < b[0] else b[0]
        end = a[1] if a[1] > b[1] else b[1]
        line = self._start_line.get(start)
        if line is None:
            line = self._start_line[start] = bisect_left(
                self._line_breaks(norm), norm.original_span(start, start + 1)[0]
            )
        end_line = self._end_line.get(end)
        if end_line is None:
            end_line = self._end_line[end] = bisect_left(
                self._line_breaks(norm), norm.original_span(end - 1, end)[1]
            )
        # no line break in original[lo:hi]
        return line == end_line

    def _line_breaks(self, norm: Normalized) -> list[int]:
        breaks = self._breaks
        if breaks is None:
            # str.find in C, where a regex's finditer built a match object for each break
            original = norm.original
            breaks = self._breaks = []
            at = original.find("\n")
            while at >= 0:
                breaks.append(at)
                at = original.find("\n", at + 1)
        return breaks

    def _inside(
        self, terms: tuple[str, ...], lo: int, hi: int, exclude: tuple[int, int] | None, first: bool
    ) -> list[tuple[int, int]]:
        """The occurrences of ``terms`` entirely inside ``[lo, hi)`` and not inside ``exclude``,
        in order; only the first when ``first``.  A plain loop into a list: ``within`` asks this
        at every anchor for every exception context, and generators cost a third more."""
        x0, x1 = exclude if exclude is not None else (1, 0)  # (1, 0) excludes nothing
        keys = self._spans(terms)
        i = bisect_left(keys, lo << 16)
        n = len(keys)
        out: list[tuple[int, int]] = []
        while i < n:
            key = keys[i]
            s = key >> 16
            if s >= hi:
                break
            e = s + (key & 0xFFFF)
            if e <= hi and not (s >= x0 and e <= x1):
                out.append((s, e))
                if first:
                    break
            i += 1
        return out

    def nearest(
        self,
        terms: tuple[str, ...],
        lo: int,
        hi: int,
        start: int,
        end: int,
        line_of: Normalized | None = None,
    ) -> tuple[int, int] | None:
        """The occurrence inside ``[lo, hi)`` closest to the anchor ``[start, end)``, if any;
        with ``line_of`` (the page), only one on the anchor's line (``same_line``): a rule
        marked ``line`` reads a paragraph or a post, not the next one."""
        # the hottest query of all (a group's term near each anchor): inlined, no generator, no
        # max() (compiled, a three-argument max is a generic call).  The keys come by start, so
        # once a start lies past the anchor by the best gap so far, no later one is nearer.
        keys = self._spans(terms)
        i = bisect_left(keys, lo << 16)
        best: tuple[int, int] | None = None
        best_gap = 1 << 30
        n = len(keys)
        while i < n:
            key = keys[i]
            s = key >> 16
            if s >= hi or s - end >= best_gap:
                break
            e = s + (key & 0xFFFF)
            i += 1
            if e <= hi:
                gap = s - end if s - end > start - e else start - e
                if gap < 0:
                    gap = 0
                if gap < best_gap and (
                    line_of is None or self.same_line(line_of, (start, end), (s, e))
                ):
                    best = (s, e)
                    best_gap = gap
        return best

    def near(
        self, terms: tuple[str, ...], spans: list[tuple[int, int]], window: int
    ) -> list[tuple[int, int]]:
        """The sorted ``spans`` with an occurrence of ``terms`` inside ``[start - window, end +
        window)``: one walk of both lists, for the rule group every anchor checks first."""
        keys = self._spans(terms)
        n = len(keys)
        i = 0
        out: list[tuple[int, int]] = []
        for span in spans:
            lo = (span[0] - window) << 16
            while i < n and keys[i] < lo:
                i += 1
            hi = span[1] + window
            j = i
            while j < n:
                key = keys[j]
                s = key >> 16
                if s >= hi:
                    break
                if s + (key & 0xFFFF) <= hi:
                    out.append(span)
                    break
                j += 1
        return out

    def spans_within(
        self, terms: tuple[str, ...], lo: int, hi: int, exclude: tuple[int, int]
    ) -> Iterable[tuple[int, int]]:
        """Every occurrence entirely inside ``[lo, hi)`` but not inside ``exclude``."""
        return self._inside(terms, lo, hi, exclude, False)

    def within(
        self, terms: tuple[str, ...], lo: int, hi: int, exclude: tuple[int, int] | None = None
    ) -> bool:
        """Whether a term occurs entirely inside ``[lo, hi)``, not counting one inside ``exclude``.

        ``exclude`` is the anchor: "都是骗子" is not cancelled by the cue "骗子" it
        contains, while "不承诺" still cancels the overlapping anchor "承诺授权".
        """
        # asked at every anchor of every rule (its none terms, each exception context): its own
        # loop, with no list built and no second call
        x0, x1 = exclude if exclude is not None else (1, 0)  # (1, 0) excludes nothing
        keys = self._spans(terms)
        i = bisect_left(keys, lo << 16)
        n = len(keys)
        while i < n:
            key = keys[i]
            s = key >> 16
            if s >= hi:
                return False
            e = s + (key & 0xFFFF)
            if e <= hi and not (s >= x0 and e <= x1):
                return True
            i += 1
        return False

    def within_line(
        self, norm: Normalized, terms: tuple[str, ...], lo: int, hi: int, anchor: tuple[int, int]
    ) -> bool:
        """Whether a term occurs entirely inside ``[lo, hi)``, not inside ``anchor``, on the
        anchor's line (``same_line``): an exception context limited to its line."""
        x0, x1 = anchor
        keys = self._spans(terms)
        i = bisect_left(keys, lo << 16)
        n = len(keys)
        while i < n:
            key = keys[i]
            s = key >> 16
            if s >= hi:
                return False
            e = s + (key & 0xFFFF)
            if e <= hi and not (s >= x0 and e <= x1) and self.same_line(norm, anchor, (s, e)):
                return True
            i += 1
        return False
