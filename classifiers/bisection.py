"""Binary search of a sorted ``list[int]``, as ``bisect.bisect_left``/``bisect_right`` answer it.

Compiled (mypyc, see setup.py), these run as native loops over unboxed ints and are called
directly from the other compiled modules; ``bisect``'s C functions cost a module attribute
lookup, a generic call and a rich comparison per step from there, and the rule conditions
and the map back to the original text ask at every anchor.  Interpreted, they are slower than
``bisect``'s: the compiled build is the one tuned.

The indices are ``i64`` (mypy_extensions; a plain int interpreted): compiled, a tagged ``int``
pays an overflow check on each sum and a generic floor division per step, an ``i64`` neither.
"""

from __future__ import annotations

from mypy_extensions import i64


def bisect_left(a: list[int], x: int) -> int:
    """The first index whose item is not less than ``x``."""
    lo: i64 = 0
    hi: i64 = len(a)
    while lo < hi:
        mid = (lo + hi) >> 1
        if a[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


def bisect_right(a: list[int], x: int) -> int:
    """The first index whose item is greater than ``x``."""
    lo: i64 = 0
    hi: i64 = len(a)
    while lo < hi:
        mid = (lo + hi) >> 1
        if x < a[mid]:
            hi = mid
        else:
            lo = mid + 1
    return lo
