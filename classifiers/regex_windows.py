"""A page-wide regex run only where it can start: next to the characters it needs.

Most page-wide cue regexes begin with a run of characters of some class before a required
character ("\\d+\\s*元", "第[一二…]+条", "[（(][一二…]{1,3}[）)]").  sre tries such a pattern at
every character of a page (and re-tries each digit of a long number), while the required
character is rare and ``str.find`` finds it in C.  :func:`windowed` reads, at load time, the
first top-level character a match must hold (the *needle*) and the class of every character
the items before it can consume; :func:`finditer` then tries the pattern only from the start of
the run of that class before each needle, with the matches ``Pattern.finditer`` returns.

Why the matches are the same: a match starting at ``s`` holds its needle at some ``q >= s``
with ``text[s:q]`` all of the prefix class.  From a position ``pos``, let ``q`` be the first
needle at or after it and ``s`` the start of the run of the class before ``q`` (not before
``pos``): a match starting before ``s`` would need ``text[s - 1]`` in the class.  So the
leftmost match at or after ``pos`` starts in ``[s, q]`` (each tried in turn with
``Pattern.match``, which is the attempt ``search`` makes there) or after ``q``.
"""

from __future__ import annotations

import re
import re._compiler as _compiler  # its prefix analysis, called read-only (``unprefixed``)
import re._constants as _c  # the parse tree's opcodes: stable since 3.11, used read-only
import re._parser as _parser
from dataclasses import dataclass
from typing import Any, Final

_CATEGORIES: Final = {
    _c.CATEGORY_DIGIT: "\\d",
    _c.CATEGORY_NOT_DIGIT: "\\D",
    _c.CATEGORY_SPACE: "\\s",
    _c.CATEGORY_NOT_SPACE: "\\S",
    _c.CATEGORY_WORD: "\\w",
    _c.CATEGORY_NOT_WORD: "\\W",
}
_REPEATS: Final = (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT)
_ZERO_WIDTH: Final = (_c.AT, _c.ASSERT, _c.ASSERT_NOT)
#: a needle class or alternation is taken as its first characters when it has at most this many
_MAX_NEEDLES: Final = 12
#: as many for a pattern searched in an anchor's window (``windowed(pattern, PIECE_NEEDLES)``):
#: a find per needle in a short piece costs little, and sre tries a pattern with no first
#: characters it knows (``unprefixed``) whole at every position
PIECE_NEEDLES: Final = 24


@dataclass(frozen=True, slots=True)
class Windowed:
    """A pattern with its needle characters and the run its prefix consumes (reversed text)."""

    pattern: re.Pattern[str]
    needles: str
    #: matches, at the start of a reversed text, the run of prefix characters ("" pattern: none)
    run: re.Pattern[str] | None


def _class(items: list[tuple[Any, Any]]) -> str | None:
    """A character class of the parse tree as regex source, or None when it holds a kind of
    member not written out here."""
    parts: list[str] = []
    negate = False
    for op, av in items:
        if op is _c.NEGATE:
            negate = True
        elif op is _c.LITERAL:
            parts.append(re.escape(chr(av)))
        elif op is _c.RANGE:
            parts.append(f"{re.escape(chr(av[0]))}-{re.escape(chr(av[1]))}")
        elif op is _c.CATEGORY and av in _CATEGORIES:
            parts.append(_CATEGORIES[av])
        else:
            return None
    return "[" + ("^" if negate else "") + "".join(parts) + "]"


def _consumes(items: Any, out: list[str]) -> bool:
    """Add to ``out`` a class for each character ``items`` can consume; False when some item
    is not a plain character, class, repeat, group or alternation of them."""
    for op, av in items:
        if op in _ZERO_WIDTH:
            continue  # consumes nothing
        if op is _c.LITERAL:
            out.append(re.escape(chr(av)))
        elif op is _c.NOT_LITERAL:
            out.append(f"[^{re.escape(chr(av))}]")
        elif op is _c.IN:
            cls = _class(av)
            if cls is None:
                return False
            out.append(cls)
        elif op is _c.ANY:
            out.append("[^\\n]")
        elif op in _REPEATS:
            if not _consumes(av[2], out):
                return False
        elif op is _c.SUBPATTERN:
            if av[1] or av[2] or not _consumes(av[3], out):
                return False
        elif op is _c.BRANCH:
            if not all(_consumes(branch, out) for branch in av[1]):
                return False
        else:
            return False
    return True


def _first_chars(op: Any, av: Any, most: int = _MAX_NEEDLES) -> str | None:
    """The characters one of which begins every match of the item, when it always consumes one
    and they are few: a plain character, a small class, a group or alternation of such
    beginnings ("(欢迎|赶快|…)"), or a repeat of at least one."""
    if op is _c.LITERAL:
        return chr(av)
    if op is _c.IN:
        if all(o is _c.LITERAL for o, _ in av) and 0 < len(av) <= most:
            return "".join(dict.fromkeys(chr(a) for _, a in av))
        return None
    if op is _c.SUBPATTERN:
        return None if av[1] or av[2] or not av[3] else _first_chars(av[3][0][0], av[3][0][1], most)
    if op in _REPEATS:
        return _first_chars(av[2][0][0], av[2][0][1], most) if av[0] >= 1 and av[2] else None
    if op is _c.BRANCH:
        firsts = [
            _first_chars(branch[0][0], branch[0][1], most) if branch else None for branch in av[1]
        ]
        if any(f is None for f in firsts):
            return None
        chars = "".join(dict.fromkeys("".join(f for f in firsts if f is not None)))
        return chars if len(chars) <= most else None
    return None


def windowed(pattern: re.Pattern[str], most: int = _MAX_NEEDLES) -> Windowed | None:
    """``pattern`` prepared for :func:`finditer`, or None when its first top-level plain character
    or small class (at most ``most`` characters) has an item before it that is not made of
    characters of some class."""
    if pattern.flags & (re.IGNORECASE | re.DOTALL | re.VERBOSE | re.ASCII):
        return None
    tree = _parser.parse(pattern.pattern, pattern.flags)
    prefix: list[Any] = []
    for op, av in tree:
        needles = _first_chars(op, av, most)
        if needles is not None:
            classes: list[str] = []
            if not _consumes(prefix, classes):
                return None
            run = re.compile("(?:" + "|".join(classes) + ")*") if classes else None
            return Windowed(pattern, needles, run)
        prefix.append((op, av))
    return None


def unprefixed(pattern: re.Pattern[str]) -> bool:
    """Whether sre searches for ``pattern`` by trying it whole at each position: it has neither
    a literal prefix nor a set of first characters (``re._compiler._compile_info``), as an
    alternation whose first branch opens with a group has not."""
    tree = _parser.parse(pattern.pattern, pattern.flags)
    if tree.getwidth()[0] == 0:
        return True
    prefix = _compiler._get_literal_prefix(tree, pattern.flags)[0]
    return not prefix and not _compiler._get_charset_prefix(tree, pattern.flags)


def search(w: Windowed, text: str) -> re.Match[str] | None:
    """What ``w.pattern.search(text)`` returns."""
    found = finditer(w, text, True)
    return found[0] if found else None


def finditer(w: Windowed, text: str, first: bool = False) -> list[re.Match[str]]:
    """What ``list(w.pattern.finditer(text))`` returns (see the module's docstring); only its
    first match with ``first``."""
    found: list[int] = []
    for ch in w.needles:
        at = text.find(ch)
        while at >= 0:
            found.append(at)
            at = text.find(ch, at + 1)
    out: list[re.Match[str]] = []
    if not found:
        return out
    found.sort()
    run = w.run
    rev = text[::-1] if run is not None else ""
    n = len(text)
    pattern = w.pattern
    pos = 0
    for q in found:
        if q < pos:
            continue
        s = q
        if run is not None and q > pos:
            m = run.match(rev, n - q)
            if m is not None:
                s = q - (m.end() - m.start())
            if s < pos:
                s = pos
        for t in range(s, q + 1):
            match = pattern.match(text, t)
            if match is not None:
                out.append(match)
                if first:
                    return out
                pos = match.end()
                break
        else:
            pos = q + 1
    return out
