"""Negation and quoted promises read by structure, not by a list of negated phrases.

A hit is denied when a negator (``不``, ``没有``, ``未`` …) stands directly before it, with only
auxiliaries or light verbs between ("不出借证书", "不要用个人名义做"), or when a negator and a
verb that governs an object ("不办理", "没有提供") stand earlier in the hit's clause ("不办理
出售专利或变更发明人"), or advice against ("不要", "千万别", "不建议") opens that clause.  Compounds that hold a negator but negate nothing ("不仅", "非常",
"特别") or whose negation is the offer's own selling point ("不用", "无需", "不成功") cancel it.
A hit inside quotation marks opened right after a reporting verb ("信了“…”", "号称“…”") is
someone else's words.  The words are data: ``denied`` and ``hearsay`` in stances.yaml."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from classifiers.discourse_files import StancesFile
from classifiers.normalize import Normalized

#: what ends a clause: the scope of a negated governing verb
CLAUSE_ENDS: Final = "，,；;：:。！？!?\n"
SENTENCE_ENDS: Final = "。！？!?\n"
#: how many light words may stand between the negator and the hit
MAX_LIGHT: Final = 3
_OPEN: Final = '“「『"'
_CLOSE: Final = '”」』"'
#: how far back an opening quotation mark is looked for
QUOTE_REACH: Final = 40


def _table(chars: Iterable[str]) -> bytes:
    """1 for each of ``chars`` in the BMP, by code: a scan reads a character's entry by its code
    (compiled, ``ord(text[i])`` reads it in place), where testing it against a string or a set
    first built a one-character string of it."""
    table = bytearray(0x10000)
    for ch in chars:
        if ord(ch) < 0x10000:
            table[ord(ch)] = 1
    return bytes(table)


_CLAUSE_END_TABLE: Final = _table(CLAUSE_ENDS)
#: the ends as classes, searched for in a hit's span in C (``Pattern.search(text, start, end)``)
_CLAUSE_END: Final = re.compile("[" + re.escape(CLAUSE_ENDS) + "]")
_SENTENCE_END: Final = re.compile("[" + re.escape(SENTENCE_ENDS) + "]")
#: the quotation marks and sentence ends ``quoted_by`` looks back for, and the opening marks
_QUOTE_MARK_TABLE: Final = _table(_OPEN + _CLOSE + "。！？!?\n")
_OPEN_TABLE: Final = _table(_OPEN)


def opening_mark(original: str, o_start: int) -> int:
    """Where the quotation holding ``original[o_start]`` opens, or -1: the nearest quotation
    mark or sentence end before it, within ``QUOTE_REACH``, must be an opening mark (anything
    else means it is not quoted).  Read by code from tables, a step per character."""
    i = min(o_start, len(original)) - 1
    lo = max(0, o_start - QUOTE_REACH)
    while i >= lo:
        c = ord(original[i])
        if c < 0x10000 and _QUOTE_MARK_TABLE[c]:
            return i if _OPEN_TABLE[c] else -1
        i -= 1
    return -1


def _longest_first(words: Sequence[str]) -> tuple[str, ...]:
    return tuple(sorted({w for w in words if w}, key=len, reverse=True))


#: matches nowhere: the pattern of an empty word list
_NEVER: Final = re.compile("(?!)")


def _first_of(words: tuple[str, ...]) -> re.Pattern[str]:
    """Matched at a position (``Pattern.match(text, p)``), the first of ``words`` that starts
    there, as ``next(w for w in words if text.startswith(w, p))`` finds it: the alternatives are
    tried in order, in C, where the generator called ``startswith`` once per word."""
    return re.compile("|".join(re.escape(w) for w in words)) if words else _NEVER


def _covering(words: tuple[str, ...]) -> re.Pattern[str]:
    """Searched for, a zero-width match at each start of one of ``words`` (longest first), its
    group 1 the longest word starting there: which words cover a position (``_compound``)."""
    return re.compile(f"(?=({_first_of(words).pattern}))") if words else _NEVER


@dataclass(frozen=True, slots=True)
class Negation:
    """The negation words of stances.yaml ``denied`` (normalized) and the quoting verbs of
    ``hearsay``."""

    negators: tuple[str, ...]
    light: tuple[str, ...]
    governs: tuple[str, ...]
    compounds: tuple[str, ...]
    quoting: tuple[str, ...]
    prohibitive: tuple[str, ...] = ()
    concessive: tuple[str, ...] = ()
    #: the first characters of the negators and the advice words: most characters of a clause
    #: start neither, and are passed over without trying each word there
    openers: frozenset[str] = frozenset()
    #: ``openers`` by code (``_table``), and whether one lies beyond the BMP, outside it
    opener_table: bytes = bytes(0x10000)
    astral_openers: bool = False
    #: the word lists above as patterns (``_first_of``, ``_covering``), built by :meth:`of`
    negator_at: re.Pattern[str] = _NEVER
    long_negator_at: re.Pattern[str] = _NEVER
    light_at: re.Pattern[str] = _NEVER
    governs_at: re.Pattern[str] = _NEVER
    prohibitive_at: re.Pattern[str] = _NEVER
    compound_starts: re.Pattern[str] = _NEVER
    concessive_in: re.Pattern[str] = _NEVER
    #: the longest compound's length: how far before a position one covering it may start
    compound_reach: int = 0

    def _opens(self, text: str, p: int) -> bool:
        """Whether ``text[p]`` is one of ``openers``."""
        c = ord(text[p])
        if c < 0x10000:
            return self.opener_table[c] == 1
        return self.astral_openers and text[p] in self.openers

    @classmethod
    def of(
        cls,
        negators: Sequence[str],
        light: Sequence[str],
        governs: Sequence[str],
        compounds: Sequence[str],
        quoting: Sequence[str],
        prohibitive: Sequence[str] = (),
        concessive: Sequence[str] = (),
    ) -> Negation:
        openers = frozenset(w[0] for w in (*negators, *prohibitive) if w)
        negating = _longest_first(negators)
        light_words = _longest_first(light)
        governing = _longest_first(governs)
        compound_words = _longest_first(compounds)
        bans = _longest_first(prohibitive)
        return cls(
            negating,
            light_words,
            governing,
            compound_words,
            _longest_first(quoting),
            bans,
            _longest_first(concessive),
            openers,
            _table(openers),
            any(ord(ch) >= 0x10000 for ch in openers),
            _first_of(negating),
            _first_of(tuple(w for w in negating if len(w) > 1)),
            _first_of(light_words),
            _first_of(governing),
            _first_of(bans),
            _covering(compound_words),
            _first_of(_longest_first(concessive)),
            max((len(w) for w in compound_words), default=0),
        )

    @classmethod
    def of_stances(cls, stances: StancesFile, norm: Callable[[str], str]) -> Negation:
        """The words of ``denied`` (normalized with ``norm``) and ``hearsay.quoting`` (read in
        the original text)."""
        denied = stances.stances["denied"]
        return cls.of(
            [norm(t) for t in denied.negators],
            [norm(t) for t in denied.light],
            [norm(t) for t in denied.governs],
            [norm(t) for t in denied.compounds],
            stances.stances["hearsay"].quoting,
            [norm(t) for t in denied.prohibitive],
            [norm(t) for t in denied.concessive],
        )

    def add_cues(
        self,
        seen: dict[tuple[str, str], str],
        norm: Normalized,
        s: int,
        n_start: int,
        n_end: int,
        o_start: int,
    ) -> None:
        """Add to a hit's sentence cues (``sentences.sentence_cues``) the denial and the
        retelling read by structure, where the listed cues found none."""
        if ("denied", "before") not in seen:
            negated = self.before(norm.text, s, n_start, n_end) or self.inside(
                norm.text, n_start, n_end
            )
            if negated:
                seen["denied", "before"] = negated
        if ("hearsay", "before") not in seen:
            quoting = self.quoted_by(norm.original, o_start)
            if quoting:
                seen["hearsay", "before"] = quoting

    def _compound(self, text: str, p: int) -> bool:
        """Whether a non-negating compound covers the negator at ``p``: one starting at most
        ``compound_reach - 1`` before it whose longest word there runs past it."""
        reach = self.compound_reach
        stop = p + reach
        m = self.compound_starts.search(text, max(0, p - reach + 1), stop)
        while m is not None and m.start() <= p:
            if m.end(1) > p:
                return True
            m = self.compound_starts.search(text, m.start() + 1, stop)
        return False

    def _reach(self, text: str, j: int, stop: int) -> tuple[int, bool]:
        """From ``j`` (after a negator), skip light words and at most one governing verb:
        (where that leaves off, whether a governing verb was skipped)."""
        governed = False
        for _ in range(MAX_LIGHT):
            if j >= stop:
                break
            m = self.light_at.match(text, j)
            word = m.group() if m is not None else ""
            if not governed:
                # the longer word wins: "要求" governs, though "要" alone is light
                m = self.governs_at.match(text, j)
                if m is not None and m.end() - j > len(word):
                    word, governed = m.group(), True
            if not word:
                break
            j += len(word)
        return j, governed

    def before(self, text: str, s: int, start: int, end: int) -> str:
        """The negation (its text) that denies the hit ``[start, end)`` in the sentence
        starting at ``s``, or ``""``.  A negation reaches no further than its sentence: a hit
        that runs on past a sentence end ("还没注册？我们帮你…") is not denied by it; nor is a
        concession ("没有执照也能办"): the negation is then the offer's own claim."""
        if (
            _SENTENCE_END.search(text, start, end) is not None
            or self.concessive_in.search(text, start, end) is not None
        ):
            return ""
        lo = s
        for k in range(start - 1, s - 1, -1):
            c = ord(text[k])
            if c < 0x10000 and _CLAUSE_END_TABLE[c]:
                lo = k + 1
                break
        for p in range(start - 1, lo - 1, -1):
            if not self._opens(text, p):
                continue
            # advice against ("千万别…", "不建议…") reaches the rest of its clause
            m = self.prohibitive_at.match(text, p)
            ban = m.group() if m is not None else ""
            if ban and p + len(ban) <= start and not self._compound(text, p):
                return ban
            m = self.negator_at.match(text, p)
            neg = m.group() if m is not None else ""
            if not neg or p + len(neg) > start or self._compound(text, p):
                continue
            j, governed = self._reach(text, p + len(neg), start)
            if j == start or (governed and j <= start):
                return text[p:j]
        return ""

    def inside(self, text: str, start: int, end: int) -> str:
        """The negation inside a hit that pairs two terms, denying the second ("审查部门没有任何
        “特殊关系”"): a negator word ("没有") after the hit's first character, with one or more light words between
        it and the rest of the hit, in one clause; or ``""``.  Compounds (the offer's own
        negations: "不成功不收费", "人不用到岗") and concessions ("没有执照也能办") deny nothing."""
        if (
            _CLAUSE_END.search(text, start, end) is not None
            or self.concessive_in.search(text, start, end) is not None
        ):
            return ""
        for p in range(start + 1, end - 1):
            if not self._opens(text, p):
                continue
            # a one-character negator inside a term is the term's own ("授权未缴费专利")
            m = self.long_negator_at.match(text, p)
            neg = m.group() if m is not None else ""
            if not neg or p + len(neg) >= end or self._compound(text, p):
                continue
            # and it governs through a light word ("没有任何…"): "从来没有被驳回" is the claim
            j, _ = self._reach(text, p + len(neg), end)
            if p + len(neg) < j < end:
                return text[p:j]
        return ""

    def quoted_by(self, original: str, o_start: int) -> str:
        """The reporting verb that opens the quotation holding ``original[o_start]``
        ("信了“不授权全退”"), or ``""``."""
        i = opening_mark(original, o_start)
        if i < 0:
            return ""
        head = original[max(0, i - 8) : i].rstrip()
        verb = next((v for v in self.quoting if head.endswith(v)), "")
        # the speaker's own promise in quotes ("我们承诺“…”") is no one else's words
        if verb and head[: len(head) - len(verb)].endswith(("我", "我们", "本所", "本公司")):
            return ""
        return verb
