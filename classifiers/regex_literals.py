"""What every match of a cue's regex must contain, so pages without it skip the regex."""

from __future__ import annotations


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
