"""What every match of a regex must contain, so pages without it skip the regex (cues and rules)."""

from __future__ import annotations

import re
import re._constants as _c  # the parse tree's opcodes: stable since 3.11, used read-only
import re._parser as _parser
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: what a regex requires of a text, each set a choice: every match holds a member of each set
Gate = tuple[tuple[str, ...], ...]


def compile_needled(patterns: list[str]) -> list[tuple[re.Pattern[str], tuple[str, ...], Gate]]:
    """Each pattern compiled, with the strings one of which any match holds (``regex_needs``)
    and every such set (``RegexNeeds.all_of``)."""
    out: list[tuple[re.Pattern[str], tuple[str, ...], Gate]] = []
    for p in patterns:
        compiled = re.compile(p)
        needs = regex_needs(compiled)
        out.append((compiled, needs.needles, needs.all_of))
    return out


def scanned_gate(all_of: Gate, usable: Callable[[str], bool]) -> Gate:
    """The sets of ``all_of`` (``RegexNeeds.all_of``) the rules' automaton pass looks for: those
    whose members pass ``usable`` and are all at least two characters long.  A single character
    is found as fast by a search of the page, and would cost the pass an output at each of its
    occurrences (digits, "加", "第")."""
    return tuple(c for c in all_of if all(len(m) >= 2 and usable(m) for m in c))


def gate_open(gate: Gate, present: set[str]) -> bool:
    """Whether each set of ``gate`` has a member in ``present`` (the page's strings, found by the
    rules' one automaton pass): if not, the regex matches nowhere on the page."""
    for choice in gate:
        for member in choice:
            if member in present:
                break
        else:
            return False
    return True


def required_literal(pattern: str) -> str:
    """The longest run of Chinese characters every match of ``pattern`` must contain ("" if none
    is certain), so a page without it skips the scan: most pages hold no "号" or "条" at all.

    Only runs outside groups and classes count, in a pattern with no top-level alternation,
    and not followed by a quantifier that makes their last character optional.
    """
    depth = 0
    runs: list[str] = []
    run = ""
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            run, i = "", i + 2
            runs.append("")
            continue
        if ch == "[":
            j = i + 1
            if pattern[j : j + 1] == "^":
                j += 1
            if pattern[j : j + 1] == "]":
                j += 1
            while j < len(pattern) and pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            run, i = "", j + 1
            runs.append("")
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            return ""
        if depth == 0 and "\u4e00" <= ch <= "\u9fff":
            run += ch
            nxt = pattern[i + 1] if i + 1 < len(pattern) else ""
            if nxt and nxt in "?*{":
                run = run[:-1]
                runs.append(run)
                run = ""
            else:
                runs.append(run)
        else:
            run = ""
        i += 1
    return max(runs, key=len, default="")


def required_any(pattern: str) -> tuple[str, ...]:
    """Strings one of which every match of ``pattern`` contains (empty when none is certain):
    its required literal, or the members of a plain character class it starts with."""
    literal = required_literal(pattern)
    if literal:
        return (literal,)
    if pattern.startswith("[") and not pattern.startswith("[^"):
        close = pattern.find("]", 1)
        members = pattern[1:close] if close > 1 else ""
        if members and not any(c in members for c in "\\-"):
            return tuple(members)
    return ()


_REPEATS = (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT)
_GROUPS = (_c.SUBPATTERN, _c.ATOMIC_GROUP)
#: a character class is taken as its members when it spans at most this many characters
_MAX_CLASS = 16
#: at most this many alternatives in one run of literals and classes
_MAX_RUNS = 64
_EMPTY_RUN = frozenset(("",))


def _best(candidates: list[frozenset[str]]) -> frozenset[str] | None:
    """The most selective candidate: longest shortest member, then fewest members."""
    if not candidates:
        return None
    return max(candidates, key=lambda s: (min(map(len, s)), -len(s)))


def _class_members(items: list[tuple[Any, Any]]) -> frozenset[str] | None:
    members: set[str] = set()
    for op, av in items:
        if op is _c.LITERAL:
            members.add(chr(av))
        elif op is _c.RANGE and av[1] - av[0] < _MAX_CLASS:
            members.update(chr(c) for c in range(av[0], av[1] + 1))
        else:  # NEGATE, a category (\d, \w), a wide range
            return None
    return frozenset(members) if 0 < len(members) <= _MAX_CLASS else None


def _sequence(items: Any) -> list[frozenset[str]]:
    """Sets of strings such that every match of ``items`` contains a member of each set.

    Adjacent literals and small classes make one run of alternatives ("[一二]、" needs
    "一、" or "二、"), much rarer on a page than any of its characters.
    """
    found: list[frozenset[str]] = []
    run: frozenset[str] = _EMPTY_RUN
    for op, av in items:
        if op is _c.LITERAL:
            run = frozenset(r + chr(av) for r in run)
            continue
        members = _class_members(av) if op is _c.IN else None
        if members and len(run) * len(members) <= _MAX_RUNS:
            run = frozenset(r + m for r in run for m in members)
            continue
        if run != _EMPTY_RUN:
            found.append(run)
            run = _EMPTY_RUN
        need: frozenset[str] | None = members
        if op is _c.SUBPATTERN:
            _group, add_flags, _del_flags, sub = av
            if not add_flags & re.IGNORECASE:
                need = _best(_sequence(sub))
        elif op is _c.ATOMIC_GROUP:
            need = _best(_sequence(av))
        elif op in _REPEATS:
            low, _high, sub = av
            if low >= 1:
                need = _best(_sequence(sub))
        elif op is _c.BRANCH:
            union: set[str] = set()
            for branch in av[1]:
                one = _best(_sequence(branch))
                if one is None:
                    break
                union |= one
            else:
                need = frozenset(union)
        if need:
            found.append(need)
    if run != _EMPTY_RUN:
        found.append(run)
    return found


def _minimal(strings: frozenset[str]) -> tuple[str, ...]:
    """``strings`` without those that contain another member (finding the shorter one suffices)."""
    return tuple(sorted(s for s in strings if not any(o != s and o in s for o in strings)))


def _context_free(items: Any) -> bool:
    for op, av in items:
        if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
            return False
        subs: list[Any] = []
        if op is _c.SUBPATTERN:
            subs = [av[3]]
        elif op is _c.ATOMIC_GROUP:
            subs = [av]
        elif op in _REPEATS:
            subs = [av[2]]
        elif op is _c.BRANCH:
            subs = list(av[1])
        elif op is _c.GROUPREF_EXISTS:
            subs = [s for s in av[1:] if s is not None]
        if not all(_context_free(s) for s in subs):
            return False
    return True


@dataclass(frozen=True, slots=True)
class RegexNeeds:
    """What a regex needs of a text before it can match anywhere in it.

    ``needles``: strings one of which every match contains (empty when nothing is
    certain: such a regex is never skipped).  ``context_free``: no anchor (``^``,
    ``$``, ``\\b``) or lookaround, so a match inside a slice of a text is a match of
    the text itself, and a text the regex does not match has no slice it matches.
    """

    needles: tuple[str, ...]
    context_free: bool
    #: every set of strings a match must hold a member of (``needles`` is the most selective):
    #: a page lacking all of one set's members is never searched
    all_of: Gate = ()


def regex_needs(pattern: re.Pattern[str]) -> RegexNeeds:
    """Read ``pattern``'s parse tree for :class:`RegexNeeds` (at load time, not per page)."""
    tree = _parser.parse(pattern.pattern, pattern.flags)
    if tree.state.flags & re.IGNORECASE:
        return RegexNeeds((), _context_free(tree))
    found = _sequence(tree)
    best = _best(found)
    all_of = tuple(dict.fromkeys(_minimal(s) for s in found if s and "" not in s))
    return RegexNeeds(_minimal(best) if best else (), _context_free(tree), all_of)
