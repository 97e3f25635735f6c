"""Undo the disguises of an ad before matching, keeping a map back to the original text.

The pipeline, in order:

1. a one-to-one character table (``str.translate``): full-width to half-width,
   upper to lower case, traditional to simplified (OpenCC's character table),
   line breaks to ``。``; separators, spaces, zero-width characters, emoji and
   symbols are dropped ("专 丨利" -> "专利");
   Latin letters a spam mirror inserted after each character ("专zhuan利li包bao") are
   dropped too, once four or more characters in a row carry them, so a single
   ``zl`` or ``bao过`` is left for the variants;
2. phrase variants from ``rules/variants.yaml`` (homophones, look-alikes, pinyin
   and initials, numbers in words: 砖利, 受权, V信, zhuanli, bao guo, 💯), replaced
   by their canonical form with one Aho-Corasick scan.

Every character of the normalized text knows the span of the original text it
came from, so a match found in the normalized text is reported, and
highlighted, in the original (:meth:`Normalized.original_span`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Final

import ahocorasick

from classifiers.bisection import bisect_right

_DROP: Final = "\x00"
_KEEP_PUNCT = {
    ",": "，", "!": "！", "?": "？", ";": "；", ":": "：",
    "\n": "。", "、": "、", "，": "，", "。": "。", "！": "！", "？": "？", "；": "；", "：": "：",
}  # fmt: skip
_DROP_CATEGORIES = {
    "Zs",
    "Zl",
    "Zp",
    "Cc",
    "Cf",
    "So",
    "Sk",
    "Pd",
    "Pc",
    "Ps",
    "Pe",
    "Pi",
    "Pf",
    "Mn",
    "Me",
}
_ASCII_LETTERS: Final = frozenset("abcdefghijklmnopqrstuvwxyz")
#: four or more Chinese characters in a row, each followed by a short Latin run (pinyin or
#: noise a spam mirror inserted); separators already mapped to the drop mark may sit between
_INSERTED_LATIN: Final = re.compile("(?:[\u3400-\u9fff]\x00*[a-z]{1,6}\x00*){4,}")
#: a cheap first look: two such pairs in a row (most pages have none, or one "专利zl")
_LATIN_AFTER_HAN: Final = re.compile("[\u3400-\u9fff]\x00*[a-z]{1,6}\x00*[\u3400-\u9fff]\x00*[a-z]")
#: a lowercase letter right after a Han character or a dropped mark: where a match of
#: ``_LATIN_AFTER_HAN`` has its first letter
_LOWER_AFTER_HAN: Final = re.compile("[a-z](?<=[\u3400-\u9fff\x00][a-z])")
_ASTRAL: Final = re.compile("[\U00010000-\U0010ffff]")
_TONES: Final = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
#: a spam mirror's reading aid: syllables with tone marks in brackets right after a Chinese
#: character ("轉(zhuǎn)讓"); tone marks appear nowhere else in Chinese commercial copy, so
#: one such syllable is enough (the brackets are already drop marks here)
_TONED_READING: Final = re.compile(
    f"(?<=[\u3400-\u9fff])\x00(?:(?=[a-zü]{{0,5}}[{_TONES}])[a-zü{_TONES}]{{1,6}}\x00)+"
)
_TONE_MARK: Final = re.compile(f"[{_TONES}]")
#: full stops kept for numbers, addresses and URLs, but put between single Chinese characters
#: three or more in a row ("专.利.包.授.权") they are separators, like the spaces and bars dropped
#: above; drop marks may sit beside them
_DOTTED: Final = re.compile("[\u3400-\u9fff](?:\x00*[.]\x00*[\u3400-\u9fff]){2,}")


def _class_escape(ch: str) -> str:
    return "\\" + ch if ch in "\\]^-[" else ch


def _char_ranges(codes: list[int]) -> str:
    """A regex character class body with consecutive code points collapsed into ranges."""
    parts: list[str] = []
    i = 0
    while i < len(codes):
        j = i
        while j + 1 < len(codes) and codes[j + 1] == codes[j] + 1:
            j += 1
        first, last = _class_escape(chr(codes[i])), _class_escape(chr(codes[j]))
        parts.append(first if i == j else f"{first}-{last}")
        i = j + 1
    return "".join(parts)


class NormalizationError(Exception):
    """The variants file is malformed."""


def _opencc_chars() -> dict[str, str]:
    import opencc

    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    table: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 2:
            source, targets = parts[0], parts[1].split(" ")[0]
            if len(source) == 1 and len(targets) == 1:
                table[source] = targets
    return table


_EXTRA_SEPARATORS = frozenset("丨〡|ˉ︱︳")


def _map_char(ch: str) -> str:
    code = ord(ch)
    if ch in _KEEP_PUNCT:
        return _KEEP_PUNCT[ch]
    if ch in _EXTRA_SEPARATORS or code == 0x3000:
        return _DROP
    cat = unicodedata.category(ch)
    if cat in _DROP_CATEGORIES or cat in {"Co", "Cs"}:
        return _DROP
    if cat in {"Po", "Sm", "Sc"} and code < 0x3000 and ch not in "%.@":
        return _DROP
    if "A" <= ch <= "Z":
        return ch.lower()
    return ch


@lru_cache(maxsize=4)
def char_table(keep: frozenset[str] = frozenset()) -> dict[int, str]:
    """The one-to-one table of step 1; characters in ``keep`` are left for step 2."""
    table: dict[int, str] = {}
    for code in range(0x20000):
        ch = chr(code)
        if ch in keep:
            continue
        mapped = _map_char(chr(code - 0xFEE0) if 0xFF01 <= code <= 0xFF5E else ch)
        if mapped != ch:
            table[code] = mapped
    for code in range(0xE0000, 0xE0080):  # emoji tag characters
        table[code] = _DROP
    for code in range(0x1F000, 0x1FAFF):
        if chr(code) not in keep:
            table[code] = _DROP
    for source, target in _opencc_chars().items():
        if source not in keep:
            table[ord(source)] = target
    table[ord("\r")] = _DROP
    return table


# not frozen: a frozen dataclass's __init__ sets each field through object.__setattr__, about
# ten times a plain one, and a page builds hundreds; never mutated (unsafe_hash keeps it hashable)
@dataclass(slots=True, unsafe_hash=True)
class _Segment:
    start: int  # in the intermediate text
    src_start: int  # in the text before the step
    src_end: int
    linear: bool  # one-to-one copy, or a phrase replaced as a whole


class Normalized:
    """Normalized text with the map back to the original."""

    __slots__ = ("original", "text", "_run_starts", "_run_orig", "_seg_starts", "_segments")

    def __init__(
        self,
        original: str,
        text: str,
        run_starts: list[int],
        run_orig: list[int],
        segments: list[_Segment] | None,
    ) -> None:
        self.original = original
        self.text = text
        self._run_starts = run_starts
        self._run_orig = run_orig
        self._segments = segments
        self._seg_starts = [s.start for s in segments] if segments is not None else []

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that normalized ``text[start:end]`` came from.

        Both steps (the replacements, then the dropped runs) at each end, inlined: the rules, the exception
        contexts and the stance reading ask this of every hit, some many times.
        """
        n = len(self.text)
        if not n:
            return 0, 0
        start = 0 if start < 0 else n - 1 if start >= n else start
        end = n if end > n else start + 1 if end <= start else end
        segments = self._segments
        if segments is None:
            s1, e1 = start, end
        else:
            seg_starts = self._seg_starts
            first = segments[bisect_right(seg_starts, start) - 1]
            last = segments[bisect_right(seg_starts, end - 1) - 1]
            s1 = first.src_start + (start - first.start) if first.linear else first.src_start
            e1 = last.src_start + (end - 1 - last.start) + 1 if last.linear else last.src_end
        run_starts = self._run_starts
        if len(run_starts) == 1:
            shift = self._run_orig[0] - run_starts[0]
            return s1 + shift, e1 + shift
        run_orig = self._run_orig
        run = bisect_right(run_starts, s1) - 1
        o_start = run_orig[run] + s1 - run_starts[run]
        run = bisect_right(run_starts, e1 - 1) - 1
        return o_start, run_orig[run] + e1 - 1 - run_starts[run] + 1


class Normalizer:
    """Holds the compiled tables; build once, call for every text."""

    def __init__(self, variants: Mapping[str, list[str]]) -> None:
        keep = frozenset(
            ch for forms in variants.values() for form in forms for ch in form if len(form) == 1
        )
        self._table = char_table(keep)
        changed = sorted(code for code, value in self._table.items() if value != chr(code))
        # sre compiles a class of BMP characters into a bitmap; one astral member turns the
        # whole class into a list of ranges searched one by one.  So: BMP class | any astral.
        bmp = [code for code in changed if code <= 0xFFFF]
        self._changes = re.compile("[" + _char_ranges(bmp) + "]|[\U00010000-\U0010ffff]")
        # the commonest changes, replaced before the rest: only where what they become is left
        # alone by the table, so replacing them first changes nothing
        changing = set(changed)
        self._bulk = [
            (char, self._table[ord(char)])
            for char in "\n "
            if ord(char) in changing and not any(ord(c) in changing for c in self._table[ord(char)])
        ]
        # traditional to simplified alone, one to one, for matching that needs the rest of the
        # text as written (line breaks, spaces, punctuation): see simplified()
        self._t2s = {ord(a): b for a, b in _opencc_chars().items() if a != b}
        self._t2s_sources: dict[str, list[int]] = {}
        for code, target in self._t2s.items():
            self._t2s_sources.setdefault(target, []).append(code)
        self._traditional = re.compile(
            "[" + _char_ranges(sorted(c for c in self._t2s if c <= 0xFFFF)) + "]"
        )
        # the span of the table's astral characters (CJK extension B on): one range, a fast scan
        astral = [c for c in self._t2s if c > 0xFFFF] or [0x10FFFF]
        self._t2s_astral = re.compile(f"[{chr(min(astral))}-{chr(max(astral))}]")
        self._automaton: ahocorasick.Automaton | None = None
        replacements: dict[str, str] = {}
        for canonical, forms in variants.items():
            target = self._step1_only(canonical)
            for form in forms:
                key = self._step1_only(form)
                if not key:
                    raise NormalizationError(
                        f"variant {form!r} of {canonical!r} normalizes to nothing"
                    )
                if key != target:
                    replacements[key] = target
        # the characters a phrase variant may replace: see keeps()
        self._replaced = frozenset(ch for key in replacements for ch in key)
        if replacements:
            automaton = ahocorasick.Automaton()
            for key, target in replacements.items():
                automaton.add_word(key, (key, target))
            automaton.make_automaton()
            self._automaton = automaton

    def _translate(self, text: str) -> str:
        """Step 1.  ``str.translate`` pays a dict lookup for every character; most characters of
        Chinese text are left alone, so only the ones that change are looked up.  The line
        breaks and spaces, half of those on a page, are replaced first, in C."""
        for char, value in self._bulk:
            if char in text:
                text = text.replace(char, value)
        table = self._table
        return self._changes.sub(lambda m: table.get(ord(m.group()), m.group()), text)

    def simplified(self, text: str) -> str | None:
        """``text`` with its traditional characters made simplified and nothing else changed
        (same length, so offsets hold), or None when it has no traditional character.  For the
        genre patterns, which read structure the normalized text no longer has."""
        found = len(self._traditional.findall(text))
        if not found:
            return None
        t2s = self._t2s
        if found * 4 > len(text) or self._t2s_astral.search(text) is not None:
            return text.translate(t2s)  # the traditional class below holds no astral character
        # a simplified page with a few traditional characters (most of those that have any):
        # str.translate pays a dict lookup for every character, about 60 ns; replacing only the
        # ones that change costs about 300 ns each, so it wins below one in five
        return self._traditional.sub(lambda m: t2s[ord(m.group())], text)

    def keeps(self, s: str) -> bool:
        """Whether every occurrence of ``s`` in a text's simplified copy (``simplified``) is one
        in its normalized text too, so a page whose normalized text lacks ``s`` lacks it
        simplified: each of its characters is left as it is by both steps (not folded, dropped
        or part of a phrase variant), and no traditional character becomes it when simplified
        but something else when normalized."""
        if not s:
            return False
        for ch in s:
            code = ord(ch)
            if (
                code > 0xFFFF
                or ch in _ASCII_LETTERS
                or ch in "." + _TONES + _DROP
                or self._table.get(code, ch) != ch
                or ch in self._replaced
            ):
                return False
            for source in self._t2s_sources.get(ch, ()):
                if self._table.get(source) != ch:
                    return False
        return True

    def _step1_only(self, text: str) -> str:
        return self._translate(text).replace(_DROP, "")

    def normalize(self, original: str) -> Normalized:
        translated = _drop_inserted_latin(self._translate(original))
        if _DROP in translated:
            run_starts: list[int] = []
            run_orig: list[int] = []
            pieces: list[str] = []
            length = 0
            at = 0  # the runs between drop marks, by str.split in C: no match object for each
            for piece in translated.split(_DROP):
                if piece:
                    run_starts.append(length)
                    run_orig.append(at)
                    pieces.append(piece)
                    length += len(piece)
                at += len(piece) + 1
            step1 = "".join(pieces)
            if not run_starts:
                run_starts, run_orig = [0], [0]
        else:
            step1, run_starts, run_orig = translated, [0], [0]

        def latin_neighbours(start: int, end: int) -> tuple[bool, bool]:
            """Whether, in the original, a Latin letter sits right before/after ``step1[start:end]``."""
            r = bisect_right(run_starts, start) - 1
            o_start = run_orig[r] + start - run_starts[r]
            r = bisect_right(run_starts, end - 1) - 1
            o_end = run_orig[r] + end - 1 - run_starts[r] + 1
            before = o_start > 0 and translated[o_start - 1] in _ASCII_LETTERS
            after = o_end < len(translated) and translated[o_end] in _ASCII_LETTERS
            return before, after

        text, segments = self._replace(step1, latin_neighbours)
        if _ASTRAL.search(text):
            text = _ASTRAL.sub("\ufffd", text)  # one UTF-16 unit per character for the scanner
        return Normalized(original, text, run_starts, run_orig, segments)

    def _replace(
        self, text: str, latin_neighbours: Callable[[int, int], tuple[bool, bool]]
    ) -> tuple[str, list[_Segment] | None]:
        if self._automaton is None or not text:
            return text, None
        pieces: list[str] = []
        segments: list[_Segment] = []
        pos = 0
        out = 0
        for end_index, (key, target) in self._automaton.iter_long(text):
            start = end_index - len(key) + 1
            if (key[0] in _ASCII_LETTERS or key[-1] in _ASCII_LETTERS) and not _latin_edges_ok(
                key, *latin_neighbours(start, end_index + 1)
            ):
                continue
            if start > pos:
                segments.append(_Segment(out, pos, start, True))
                pieces.append(text[pos:start])
                out += start - pos
            segments.append(_Segment(out, start, end_index + 1, len(target) == len(key)))
            pieces.append(target)
            out += len(target)
            pos = end_index + 1
        if not segments:
            return text, None
        if pos < len(text):
            segments.append(_Segment(out, pos, len(text), True))
            pieces.append(text[pos:])
        return "".join(pieces), segments


def _drop_inserted_latin(translated: str) -> str:
    """Mark as dropped the Latin runs inserted after each character of a Chinese stretch.

    The text keeps its length (one mark per character), so offsets into the original hold.
    Bracketed toned pinyin after a character ("轉(zhuǎn)讓") is dropped the same way, and so are
    full stops put between single characters ("专.利.包.授.权").
    """
    if _TONE_MARK.search(translated):
        translated = _TONED_READING.sub(lambda m: _DROP * len(m.group()), translated)
    if "." in translated and _dot_between_han(translated):
        translated = _DOTTED.sub(lambda m: m.group().replace(".", _DROP), translated)
    if not _latin_after_han(translated):
        return translated

    def drop(m: re.Match[str]) -> str:
        return "".join(_DROP if ch in _ASCII_LETTERS else ch for ch in m.group())

    return _INSERTED_LATIN.sub(drop, translated)


def _han_at(text: str, i: int, step: int) -> bool:
    """Whether the first character from ``i`` on (going by ``step``) that is not a drop mark is
    a Chinese character."""
    while 0 <= i < len(text) and text[i] == _DROP:
        i += step
    return 0 <= i < len(text) and "\u3400" <= text[i] <= "\u9fff"


def _dot_between_han(translated: str) -> bool:
    """Whether some full stop sits between two Chinese characters: most pages' stops are in
    numbers and addresses, and finding them costs less than the ``_DOTTED`` scan of the page."""
    i = translated.find(".")
    while i != -1:
        if _han_at(translated, i - 1, -1) and _han_at(translated, i + 1, 1):
            return True
        i = translated.find(".", i + 1)
    return False


def _latin_after_han(translated: str) -> bool:
    """Whether ``_LATIN_AFTER_HAN`` matches anywhere in ``translated``.

    A match starts at a Han character followed, past dropped marks, by a lowercase letter.
    Searching the pattern itself tries it at every Han character of a page; the letters so
    placed are few and sre finds them fast (the pattern starts with a class), so the pattern
    is tried only at the Han character before each.
    """
    for m in _LOWER_AFTER_HAN.finditer(translated):
        h = m.start() - 1
        while h >= 0 and translated[h] == _DROP:
            h -= 1
        if (
            h >= 0
            and "\u3400" <= translated[h] <= "\u9fff"
            and _LATIN_AFTER_HAN.match(translated, h)
        ):
            return True
    return False


def _latin_edges_ok(key: str, letter_before: bool, letter_after: bool) -> bool:
    """A variant that begins or ends with a Latin letter must not sit inside a Latin word of the original.

    Looking at the original (not the text with spaces dropped) lets "zhuan li bao guo"
    match word by word while "hazlnut" keeps its "zl".
    """
    if key[0] in _ASCII_LETTERS and letter_before:
        return False
    return not (key[-1] in _ASCII_LETTERS and letter_after)
