"""CPU seconds used by this process and every process it started (Chromium's included).

A figure under a shared, busy machine's load is better told in CPU time than in
wall time: ``lantian bench capture`` reports both.  Read from ``/proc``: each live
descendant's user and system time plus what its reaped children used (a renderer
process that ended counts in its parent's ``cutime``/``cstime``), so nothing is
counted twice.  ``None`` where ``/proc`` is missing.
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

_PROC = Path("/proc")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        raw = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()  # the name may hold spaces and parentheses


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = defaultdict(list)
    for entry in _PROC.iterdir():
        if entry.name.isdigit() and (fields := _stat_fields(int(entry.name))) is not None:
            children[int(fields[1])].append(int(entry.name))
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, ()))
    return found


def tree_cpu_seconds(root: int | None = None) -> float | None:
    """User + system CPU seconds of ``root`` (this process) and all its descendants so far."""
    if not (_PROC / "self" / "stat").is_file():
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in _descendants(os.getpid() if root is None else root):
        fields = _stat_fields(pid)
        if fields is not None:
            total += sum(int(v) for v in fields[11:15])  # utime stime cutime cstime
    return total / ticks
