"""One compiled rule evaluated on a page: where it holds, and the span to show for it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from classifiers.normalize import Normalized
from classifiers.occurrences import Merged, Occurrences
from classifiers.pack import Rule
from classifiers.regex_literals import Gate, RegexNeeds, gate_open
from classifiers.regex_windows import Windowed, finditer, search
from classifiers.segment import is_whole_word, tokenizer
from classifiers.verdict import Hit
from classifiers.voice import quoted_span

MAX_HITS_PER_RULE: Final = 20
FULL_STOP: Final = "。"
MAX_HIGHLIGHT: Final = 24
#: a rule whose regex condition is searched near more anchors than this searches the page first:
#: a search of a slice costs about a microsecond and a half, one of a page ten to a hundred
PAGE_SEARCH_ANCHORS: Final = 32


@dataclass(slots=True)
class Context:
    name: str
    terms: tuple[str, ...]
    document: bool
    before: int
    after: int
    unless: tuple[str, ...]
    quoted: bool
    line: bool
    #: terms that keep the context from cancelling an anchor they stand near (its own window)
    unless_near: tuple[str, ...] = ()


@dataclass(slots=True)
class Compiled:
    rule: Rule
    legal_basis: str
    anchors: list[str]
    anchor_set: frozenset[str]
    groups: list[tuple[str, ...]]
    none: tuple[str, ...]
    context: tuple[str, ...]
    regexes: list[re.Pattern[str]]
    regex_needs: list[RegexNeeds]  # one per regex, read at load time
    #: one per regex: the sets of its required strings the page's automaton pass looks for
    #: (``Merged.gates``), so a page lacking one is not searched at all; () when none can be
    regex_gates: list[Gate]
    #: the regexes that can be tried only next to the characters they need (``regex_windows``)
    regex_windows: dict[re.Pattern[str], Windowed]
    regex_anchors: bool
    regex_covers_anchor: bool  # the rule's: a match must contain the anchor (see pack.Rule)
    word: frozenset[str]
    contexts: list[Context]
    window: int  # the rule's, read once at load: holds() runs for every anchor
    context_window: int
    #: the rule's ``line`` reach (0: groups and none within ``window``; see pack.Rule)
    line: int = 0
    #: the rule's id, category, severity, weight and explanation, read once (``_rule_fields``)
    fields: tuple[str, str, str, float, str] | None = None
    #: the regexes sre would try at every position of an anchor's window (``unprefixed``),
    #: tried there only next to their first characters (``regex_windows``, more needles)
    piece_windows: dict[re.Pattern[str], Windowed] | None = None


def _rule_fields(c: Compiled) -> tuple[str, str, str, float, str]:
    """What each hit of the rule copies from it, read on its first hit: a Rule is a pydantic
    model, whose attributes compiled code reads through a generic lookup each time."""
    fields = c.fields
    if fields is None:
        rule = c.rule
        fields = c.fields = (rule.id, rule.category, rule.severity, rule.weight, rule.explanation)
    return fields


def evaluate(
    c: Compiled,
    norm: Normalized,
    occ: Occurrences,
    merged: Merged,
    userdict: Path,
    out: list[tuple[Hit, int, int]],
    anchors: list[str] | None = None,
) -> None:
    """Append the rule's hits on the page with their normalized spans to ``out``, at most
    ``MAX_HITS_PER_RULE``: into the caller's list, as a generator costs more compiled (mypyc).
    ``anchors``: the rule's anchors on the page when the caller knows them (``Classifier``)."""
    text = norm.text
    terms = occ.keys()
    for group in (*c.groups, c.context):
        if group and terms.isdisjoint(group):
            return
    # Which exception contexts can cancel a hit on this page is known before any anchor:
    # one switched off by an ``unless`` term, or whose terms are absent, never cancels.
    contexts: list[Context] = []
    active = merged.active_contexts
    for ctx in c.contexts:
        # each context's answer is the same for every rule citing it: asked once per page
        on = active.get(ctx.name)
        if on is None:
            on = active[ctx.name] = not (
                ctx.unless and merged.any_present(ctx.unless)
            ) and merged.any_present(ctx.terms)
        if not on:
            continue
        if ctx.document and not ctx.quoted:
            return  # a document context present and not limited to quotes cancels every hit
        contexts.append(ctx)
    none = c.none if c.none and merged.any_present(c.none) else ()
    regexes = _with_needles(c, text, merged.gates)
    if c.regexes and not regexes:
        return  # a regex condition (or anchor) without the strings every match holds
    spans = _anchor_spans(c, text, occ, regexes, anchors)
    if c.groups:  # an anchor with no term of the first group near it never holds
        spans = merged.near(c.groups[0], spans, c.line or c.window)
    if regexes and not c.regex_anchors and len(spans) > PAGE_SEARCH_ANCHORS:
        regexes = _on_page(c, regexes, text)
        if not regexes:
            return
    emitted = 0
    last_end = -1
    for start, end in spans:
        if start < last_end:
            continue
        span = holds(c, norm, start, end, merged, contexts, none, regexes, userdict)
        if span is None:
            continue
        last_end = end
        o_start, o_end = norm.original_span(span[0], span[1])  # *span: a generic call
        fields = _rule_fields(c)
        hit = Hit(
            fields[0],
            fields[1],
            fields[2],
            fields[3],
            o_start,
            o_end,
            norm.original[o_start:o_end],
            fields[4],
            c.legal_basis,
        )
        out.append((hit, span[0], span[1]))
        emitted += 1
        if emitted >= MAX_HITS_PER_RULE:
            return


def _anchor_spans(
    c: Compiled,
    text: str,
    occ: Occurrences,
    regexes: list[re.Pattern[str]],
    anchors: list[str] | None,
) -> list[tuple[int, int]]:
    """Where the rule's anchors stand on the page (its regexes' matches, for a rule they anchor),
    sorted.  ``anchors``: the anchor terms on the page, when the caller met them choosing the
    rules; else the page's terms are intersected with the rule's dozens, in C."""
    spans: list[tuple[int, int]] = []
    if c.regex_anchors:
        for pattern in regexes:
            w = c.regex_windows.get(pattern)
            matches = finditer(w, text) if w is not None else pattern.finditer(text)
            spans.extend(m.span() for m in matches if m.end() > m.start())
    else:
        # sorted below, so the order the terms are met in does not matter
        for term in anchors if anchors is not None else occ.keys() & c.anchor_set:
            n = len(term)
            spans.extend([(s, s + n) for s in occ[term]])
    spans.sort()
    return spans


def _with_needles(c: Compiled, text: str, present: set[str] | None) -> list[re.Pattern[str]]:
    """The rule's regexes whose required strings (if any) are all on the page: looked up among
    those the automaton pass found (``present``), the rest searched for in ``text``."""
    out: list[re.Pattern[str]] = []
    for p, needs, gate in zip(c.regexes, c.regex_needs, c.regex_gates, strict=True):
        if present is not None and gate and not gate_open(gate, present):
            continue
        needles = needs.needles
        if (
            not needles
            or (present is not None and needles in gate)
            or any(n in text for n in needles)
        ):
            out.append(p)
    return out


def _on_page(c: Compiled, regexes: list[re.Pattern[str]], text: str) -> list[re.Pattern[str]]:
    """``regexes`` less the context-free ones that match nowhere on the page: a slice of a page
    holds no match the page lacks, so one search of the page answers for every anchor."""
    needs = dict(zip(c.regexes, c.regex_needs, strict=True))
    return [p for p in regexes if not needs[p].context_free or _search(c, p, text) is not None]


def _search(c: Compiled, pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    w = c.regex_windows.get(pattern)
    return search(w, text) if w is not None else pattern.search(text)


def _covers(
    regexes: list[re.Pattern[str]],
    piece: str,
    start: int,
    end: int,
    windows: dict[re.Pattern[str], Windowed] | None = None,
) -> bool:
    """Whether a match of one of ``regexes`` in ``piece`` contains ``piece[start:end]``
    (``windows``: the rule's ``piece_windows``)."""
    for pattern in regexes:
        w = windows.get(pattern) if windows is not None else None
        for m in finditer(w, piece) if w is not None else pattern.finditer(piece):
            if m.start() > start:
                break
            if m.end() >= end:
                return True
    return False


def _any_search(c: Compiled, regexes: list[re.Pattern[str]], piece: str) -> bool:
    """Whether one of ``regexes`` matches in ``piece`` (an anchor's window)."""
    windows = c.piece_windows
    for pattern in regexes:
        w = windows.get(pattern) if windows is not None else None
        if (search(w, piece) if w is not None else pattern.search(piece)) is not None:
            return True
    return False


def _near(
    terms: tuple[str, ...], ctx: Context, norm: Normalized, merged: Merged, start: int, end: int
) -> bool:
    """Whether one of ``terms`` stands in the context's window around the anchor (on its line,
    for a line context)."""
    lo, hi = start - ctx.before, end + ctx.after
    if ctx.line:
        return merged.within_line(norm, terms, lo, hi, (start, end))
    return merged.within(terms, lo, hi, (start, end))


def _ends_sentence(text: str, start: int, end: int) -> bool:
    """Whether a full stop or a line break stands in ``text[start:end]`` (a question mark does
    not part a hook from its answer: "缺专利？我们有现成的")."""
    piece = text[start:end]
    return FULL_STOP in piece or "\n" in piece


def _cancelled(
    contexts: list[Context], norm: Normalized, merged: Merged, start: int, end: int
) -> bool:
    """Whether one of the rule's exception ``contexts`` cancels the anchor at ``[start, end)``."""
    quoted: bool | None = None  # whether the anchor is inside quotation marks, asked once
    for ctx in contexts:
        if ctx.quoted:
            if quoted is None:
                quoted = quoted_span(norm, start, end)
            if not quoted:
                continue
        if ctx.document:
            return True  # present on the page (checked in _evaluate)
        if ctx.line:
            cancels = merged.within_line(
                norm, ctx.terms, start - ctx.before, end + ctx.after, (start, end)
            )
        else:
            cancels = merged.within(ctx.terms, start - ctx.before, end + ctx.after, (start, end))
        # asked only where the context would cancel: most anchors have no context term near
        if cancels and not (
            ctx.unless_near and _near(ctx.unless_near, ctx, norm, merged, start, end)
        ):
            return True
    return False


def holds(
    c: Compiled,
    norm: Normalized,
    start: int,
    end: int,
    merged: Merged,
    contexts: list[Context],
    none: tuple[str, ...],
    regexes: list[re.Pattern[str]],
    userdict: Path,
) -> tuple[int, int] | None:
    """The span to report if the rule holds at this anchor, else None.

    The span covers the anchor and the nearest term of each group when that stays
    short (e.g. "保证" + "出证"), so the reviewer sees the claim, not one word of it.
    ``contexts``, ``none`` and ``regexes`` are the rule's exception contexts, cancelling
    terms and regexes that can apply on this page at all (see :func:`evaluate`).
    """
    text = norm.text
    window = c.window
    lo, hi = start - window, end + window
    span_start, span_end = start, end
    reach = c.line
    for group in c.groups:
        if reach:
            found = merged.nearest(group, start - reach, end + reach, start, end, norm)
        else:
            found = merged.nearest(group, lo, hi, start, end)
        if found is None:
            return None
        # a term of another sentence holds the rule but is not part of the claim shown: a span
        # run on past a full stop would also read the next sentence's words as its own
        if found[0] < span_start and not _ends_sentence(text, found[1], span_start):
            span_start = found[0]
        if found[1] > span_end and not _ends_sentence(text, span_end, found[0]):
            span_end = found[1]
    if c.context and not merged.within(c.context, start - c.context_window, end + c.context_window):
        return None
    if regexes and not c.regex_anchors:
        base = max(0, lo)
        piece = text[base:hi]
        if c.regex_covers_anchor:
            if not _covers(regexes, piece, start - base, end - base, c.piece_windows):
                return None
        elif not _any_search(c, regexes, piece):
            return None
    if none:
        if reach:
            if merged.within_line(norm, none, start - reach, end + reach, (start, end)):
                return None
        elif merged.within(none, lo, hi):
            return None
    if contexts and _cancelled(contexts, norm, merged, start, end):
        return None
    if (
        c.word
        and text[start:end] in c.word
        and not is_whole_word(tokenizer(userdict), text, start, end)
    ):
        return None
    if span_end - span_start > MAX_HIGHLIGHT:
        return start, end
    return span_start, span_end
