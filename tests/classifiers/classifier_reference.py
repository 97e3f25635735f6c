"""The reference path of the rule engine: the plain evaluation the fast path must agree with.

``Classifier`` prunes per page before it looks at any anchor (exception contexts
whose terms are absent or switched off, document contexts that cancel a rule
outright), merges term occurrences as packed integers, finds line breaks by
bisection and takes a plain page's line blocks as already covered.  This
subclass does none of that: every anchor checks every condition of its rule in
turn, straight from the rule language's definition (``classifiers.pack``), as
the engine did before it was made fast.  ``test_fast_path`` runs both over the
same corpora and asks for identical verdicts.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable, Iterable

from classifiers.blocks import Block, cover, line_blocks
from classifiers.engine import Classifier
from classifiers.entities import extract_entities
from classifiers.matching import MAX_HIGHLIGHT, MAX_HITS_PER_RULE, Compiled
from classifiers.normalize import Normalized
from classifiers.occurrences import Occurrences
from classifiers.segment import is_whole_word, tokenizer
from classifiers.verdict import Hit, Verdict
from classifiers.voice import in_quotes


def _parted(between: str) -> bool:
    return "。" in between or "\n" in between


class ReferenceClassifier:
    """The same compiled rules, evaluated the plain way.

    It holds the fast classifier rather than subclassing it: when ``make install`` has
    compiled the engine (mypyc), ``Classifier`` is a native class, which Python code can
    neither subclass nor copy through ``__dict__``.  Only the per-page plumbing (rule
    candidates, the reading, the verdict) comes from the fast one."""

    def __init__(self, fast: Classifier) -> None:
        self.fast = fast

    @classmethod
    def of(cls, fast: Classifier) -> ReferenceClassifier:
        return cls(fast)

    def classify(self, text: str, title: str = "", blocks: list[Block] | None = None) -> Verdict:
        original = f"{title}\n{text}" if title else text
        norm = self.fast.normalizer.normalize(original)
        occ = self._scan(norm.text)
        merged = _PlainMerged(occ)
        found: list[tuple[Hit, int, int]] = []
        for compiled in self.fast._candidates(occ):
            found.extend(self._plain_evaluate(compiled, norm, occ, merged))
        entities = extract_entities(original)
        if self.fast.registry is not None:
            found.extend((hit, -1, -1) for hit in self.fast.registry.check(original, entities))
        covered = cover(blocks if blocks is not None else line_blocks(text, title), original)
        hits, reading = self.fast._read(norm, occ, found, entities, covered)
        return self.fast._verdict(hits, entities, occ, covered, reading)

    def _scan(self, text: str) -> Occurrences:
        occ: Occurrences = defaultdict(list)
        units = text.encode("utf-16-be").decode("latin-1")
        for end, term in self.fast._automaton.iter(units):
            # the regexes' gate strings ride on the fast scan only (Classifier._scan_gated)
            if end & 1 and term not in self.fast._gate_only:
                occ[term].append((end + 1) // 2 - len(term))
        for positions in occ.values():
            positions.sort()
        return dict(occ)

    def _plain_evaluate(
        self, c: Compiled, norm: Normalized, occ: Occurrences, merged: _PlainMerged
    ) -> Iterable[tuple[Hit, int, int]]:
        text = norm.text
        for group in (*c.groups, c.context):
            if group and not any(term in occ for term in group):
                return
        spans: list[tuple[int, int]] = []
        if c.regex_anchors:
            for pattern in c.regexes:
                spans.extend(m.span() for m in pattern.finditer(text) if m.end() > m.start())
        else:
            for term in c.anchors:
                spans.extend((s, s + len(term)) for s in occ.get(term, ()))
        spans.sort()
        emitted = 0
        last_end = -1
        for start, end in spans:
            if start < last_end:
                continue
            span = self._plain_holds(c, norm, start, end, occ, merged)
            if span is None:
                continue
            last_end = end
            o_start, o_end = norm.original_span(*span)
            hit = Hit(
                rule=c.rule.id,
                category=c.rule.category,
                severity=c.rule.severity,
                weight=c.rule.weight,
                start=o_start,
                end=o_end,
                match=norm.original[o_start:o_end],
                explanation=c.rule.explanation,
                legal_basis=c.legal_basis,
            )
            yield hit, span[0], span[1]
            emitted += 1
            if emitted >= MAX_HITS_PER_RULE:
                return

    def _plain_holds(
        self,
        c: Compiled,
        norm: Normalized,
        start: int,
        end: int,
        occ: Occurrences,
        merged: _PlainMerged,
    ) -> tuple[int, int] | None:
        text = norm.text
        window = c.rule.window
        lo, hi = start - window, end + window
        span_start, span_end = start, end
        reach = c.rule.reach  # a line (or phrase) rule reads groups and none on the anchor's line

        def on_line(found: tuple[int, int]) -> bool:
            return _same_line(norm, (start, end), found)

        for group in c.groups:
            if reach:
                found = merged.nearest(group, start - reach, end + reach, start, end, on_line)
            else:
                found = merged.nearest(group, lo, hi, start, end)
            if found is None:
                return None
            # a term of another sentence (past a full stop or a line) is not shown with the claim
            if not _parted(text[found[1] : span_start]):
                span_start = min(span_start, found[0])
            if not _parted(text[span_end : found[0]]):
                span_end = max(span_end, found[1])
        if c.context and not merged.within(
            c.context, start - c.rule.context_window, end + c.rule.context_window
        ):
            return None
        if c.regexes and not c.regex_anchors:
            base = max(0, lo)
            piece = text[base:hi]
            if c.rule.regex_covers_anchor:
                # some match, wherever it starts, must contain the anchor
                if not any(
                    m.start() <= start - base and m.end() >= end - base
                    for p in c.regexes
                    for m in p.finditer(piece)
                ):
                    return None
            elif not any(p.search(piece) for p in c.regexes):
                return None
        if reach:
            if c.none and any(
                on_line(found)
                for found in merged.spans_within(c.none, start - reach, end + reach, (start, end))
            ):
                return None
        elif c.none and merged.within(c.none, lo, hi):
            return None
        for ctx in c.contexts:
            if ctx.unless and any(term in occ for term in ctx.unless):
                continue
            if ctx.quoted and not in_quotes(norm.original, *norm.original_span(start, end)):
                continue
            near = [
                found
                for found in merged.spans_within(
                    ctx.unless_near, start - ctx.before, end + ctx.after, (start, end)
                )
                if not ctx.line or _same_line(norm, (start, end), found)
            ]
            if near:
                continue
            if ctx.document:
                if any(term in occ for term in ctx.terms):
                    return None
            elif ctx.line:
                if any(
                    _same_line(norm, (start, end), found)
                    for found in merged.spans_within(
                        ctx.terms, start - ctx.before, end + ctx.after, (start, end)
                    )
                ):
                    return None
            elif merged.within(ctx.terms, start - ctx.before, end + ctx.after, (start, end)):
                return None
        if (
            c.word
            and text[start:end] in c.word
            and not is_whole_word(tokenizer(self.fast._userdict), text, start, end)
        ):
            return None
        if span_end - span_start > MAX_HIGHLIGHT:
            return start, end
        return span_start, span_end


def _same_line(norm: Normalized, a: tuple[int, int], b: tuple[int, int]) -> bool:
    a0, a1 = norm.original_span(*a)
    b0, b1 = norm.original_span(*b)
    return "\n" not in norm.original[min(a0, b0) : max(a1, b1)]


class _PlainMerged:
    """Occurrences of a term list merged as sorted (start, end) pairs."""

    def __init__(self, occ: Occurrences) -> None:
        self._occ = occ

    def _spans(self, terms: tuple[str, ...]) -> tuple[list[int], list[int]]:
        pairs = sorted(
            (p, p + len(term)) for term in terms if term in self._occ for p in self._occ[term]
        )
        return [a for a, _ in pairs], [b for _, b in pairs]

    def nearest(
        self,
        terms: tuple[str, ...],
        lo: int,
        hi: int,
        start: int,
        end: int,
        keep: Callable[[tuple[int, int]], bool] | None = None,
    ) -> tuple[int, int] | None:
        starts, ends = self._spans(terms)
        i = bisect.bisect_left(starts, lo)
        best: tuple[int, int] | None = None
        best_gap = 1 << 30
        while i < len(starts) and starts[i] < hi:
            if ends[i] <= hi and (keep is None or keep((starts[i], ends[i]))):
                gap = max(starts[i] - end, start - ends[i], 0)
                if gap < best_gap:
                    best, best_gap = (starts[i], ends[i]), gap
            i += 1
        return best

    def spans_within(
        self, terms: tuple[str, ...], lo: int, hi: int, exclude: tuple[int, int]
    ) -> Iterable[tuple[int, int]]:
        starts, ends = self._spans(terms)
        i = bisect.bisect_left(starts, lo)
        while i < len(starts) and starts[i] < hi:
            if ends[i] <= hi and not (starts[i] >= exclude[0] and ends[i] <= exclude[1]):
                yield starts[i], ends[i]
            i += 1

    def within(
        self, terms: tuple[str, ...], lo: int, hi: int, exclude: tuple[int, int] | None = None
    ) -> bool:
        starts, ends = self._spans(terms)
        i = bisect.bisect_left(starts, lo)
        while i < len(starts) and starts[i] < hi:
            if ends[i] <= hi and not (
                exclude is not None and starts[i] >= exclude[0] and ends[i] <= exclude[1]
            ):
                return True
            i += 1
        return False
