"""The regexes of the genre and stance cues (``rules/genres.yaml``), each gated by the strings
every match of it holds: the rules' one automaton pass finds those strings on a page, so a page
lacking them never runs the regex (see ``regex_literals``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from classifiers.blocks import BlockIndex
from classifiers.discourse_files import GenresFile
from classifiers.normalize import Normalized, Normalizer
from classifiers.regex_literals import (
    Gate,
    compile_needled,
    gate_open,
    regex_needs,
    required_any,
    scanned_gate,
)
from classifiers.regex_windows import Windowed, finditer, windowed

#: a pattern on the normalized text: the strings one of which any match holds, its gate, and
#: the pattern tried only next to the characters it needs (``regex_windows``), if it can be
Needled = tuple[re.Pattern[str], tuple[str, ...], Gate, Windowed | None]
SENTENCE_END: Final = "。！？；"
#: at most this many distinct matches of one cue are kept
MAX_MATCHES: Final = 20


@dataclass(frozen=True, slots=True)
class GenrePattern:
    """A genre cue's regex, run on the page as written (a traditional page through its
    simplified copy)."""

    cue: str
    title: bool
    pattern: re.Pattern[str]
    #: the required literal that lets a page with no hits read it at all
    literal: tuple[str, ...]
    #: the strings one of which any match holds, searched for in the text
    needles: tuple[str, ...]
    #: the sets of required strings the automaton pass looks for (``Normalizer.keeps``)
    gate: Gate
    #: whether ``gate`` holds ``needles`` (no search of the text is then needed)
    gated: bool
    #: the pattern tried only next to the characters it needs (``regex_windows``), if it can be
    windowed: Windowed | None


def genre_patterns(genres: GenresFile, normalizer: Normalizer) -> list[GenrePattern]:
    """Each cue regex of ``genres``, compiled with what gates it."""
    out: list[GenrePattern] = []
    for genre, spec in genres.genres.items():
        for cue in spec.cues:
            for p in cue.regex:
                compiled = re.compile(p, re.MULTILINE)
                needs = regex_needs(compiled)
                # the patterns read the page as written, the automaton its normalized text: only
                # strings normalizing leaves as they are can gate
                gate = scanned_gate(needs.all_of, normalizer.keeps)
                out.append(
                    GenrePattern(
                        f"{genre}.{cue.name}",
                        cue.title,
                        compiled,
                        required_any(p),
                        needs.needles,
                        gate,
                        needs.needles in gate,
                        windowed(compiled),
                    )
                )
    return out


def normalized_patterns(patterns: list[str]) -> list[Needled]:
    """Patterns on the normalized text, with the sets of their required strings the automaton
    can look for (the normalized text holds no astral character, so a set with one is left out),
    and windowed (``regex_windows``) where they can be."""
    return [
        (p, needles, scanned_gate(gate, _in_bmp), windowed(p))
        for p, needles, gate in compile_needled(patterns)
    ]


def _in_bmp(s: str) -> bool:
    return max(s) <= "\uffff"


def gate_terms(genre: list[GenrePattern], *normalized: list[Needled]) -> set[str]:
    """Every string the patterns' gates look for."""
    gates = [p.gate for p in genre] + [n[2] for patterns in normalized for n in patterns]
    return {member for gate in gates for choice in gate for member in choice}


def match_genre_patterns(
    patterns: list[GenrePattern],
    simplified: Callable[[str], str | None],
    norm: Normalized,
    index: BlockIndex,
    title_blocks: set[int],
    hits: bool,
    found: dict[str, set[str]],
    present: set[str] | None,
) -> None:
    """Add what the genre regexes match (in the title alone, or the whole page) to ``found``.
    ``present``: the gate strings the automaton pass found (None: not looked for)."""
    original: str | None = None
    title_text = ""
    for gp in patterns:
        title_only = gp.title
        # a page with no hits needs its genre only as a label: skip the full scans that
        # no required literal can rule out
        if not (title_only or gp.literal or hits):
            continue
        if present is not None and gp.gate and not gate_open(gp.gate, present):
            continue
        if original is None:
            # the patterns are written in simplified characters: a traditional page (often a
            # converted copy of the same article) is read through its simplified copy
            original = simplified(norm.original) or norm.original
            title_text = "\n".join(
                original[index.blocks[i].start : index.blocks[i].end] for i in title_blocks
            )
        haystack = title_text if title_only else original
        if not haystack:
            continue
        needles = gp.needles
        if (
            not needles
            or (gp.gated and present is not None and not title_only)
            or any(n in haystack for n in needles)
        ):
            w = gp.windowed
            matches = finditer(w, haystack) if w is not None else gp.pattern.finditer(haystack)
            name = gp.cue
            for m in matches:
                found[name].add("re:" + m.group())
                if len(found[name]) >= MAX_MATCHES:
                    break


def find_calls(
    patterns: list[Needled], text: str, present: set[str] | None
) -> list[tuple[int, str]]:
    """(start, matched) of each match of ``patterns`` in normalized ``text``; ``present`` as
    :func:`match_genre_patterns`'s."""
    out: list[tuple[int, str]] = []
    for pattern, needle, gate, w in patterns:
        if present is not None and gate and not gate_open(gate, present):
            continue
        if (
            needle
            and not (present is not None and needle in gate)
            and not any(n in text for n in needle)
        ):
            continue
        matches = finditer(w, text) if w is not None else pattern.finditer(text)
        out.extend((m.start(), m.group()) for m in matches)
    return out


def sentence_ends(text: str) -> list[int]:
    """Where ``text``'s sentence end marks stand, in order: a search for each mark in C, where a
    regex of the four tries each character of the page in turn."""
    ends: list[int] = []
    for mark in SENTENCE_END:
        at = text.find(mark)
        while at >= 0:
            ends.append(at)
            at = text.find(mark, at + 1)
    ends.sort()
    return ends
