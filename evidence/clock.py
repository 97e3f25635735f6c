"""The capture clock: the system's UTC clock, and what the kernel says about its sync state.

``adjtimex(2)`` with ``modes = 0`` only reads; it needs no privilege.  Its return
value is the clock state (``TIME_ERROR`` = 5 means "not synchronised"), and the
``maxerror`` field is the kernel's bound on the error in microseconds.  Where the
call is unavailable the sync state is reported as unknown, never guessed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from datetime import UTC, datetime

from evidence.result import ClockInfo

SOURCE = "system clock (CLOCK_REALTIME, UTC)"
_TIME_ERROR = 5
_STATES = {
    0: "TIME_OK",
    1: "TIME_INS",
    2: "TIME_DEL",
    3: "TIME_OOP",
    4: "TIME_WAIT",
    5: "TIME_ERROR",
}


def now_utc() -> datetime:
    return datetime.now(UTC)


def _adjtimex() -> tuple[int, int] | None:
    if not sys.platform.startswith("linux"):
        return None
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        libc = ctypes.CDLL(name, use_errno=True)
        func = libc.adjtimex
    except (OSError, AttributeError):
        return None
    buf = ctypes.create_string_buffer(512)  # struct timex is ~208 bytes; modes (first field) = 0
    state = int(func(buf))
    if state < 0:
        return None
    long_size = ctypes.sizeof(ctypes.c_long)
    # layout: unsigned int modes (+pad to long); long offset, freq, maxerror, ...
    maxerror_offset = long_size * 3
    maxerror = ctypes.c_long.from_buffer_copy(
        buf.raw[maxerror_offset : maxerror_offset + long_size]
    ).value
    return state, maxerror


def clock_info() -> ClockInfo:
    read = _adjtimex()
    if read is None:
        return ClockInfo(SOURCE, None, "synchronisation state unknown (adjtimex unavailable)")
    state, maxerror = read
    synced = state != _TIME_ERROR
    label = _STATES.get(state, str(state))
    verdict = (
        "kernel reports the clock synchronised (NTP/PTP discipline active)"
        if synced
        else ("kernel reports the clock NOT synchronised to any time source")
    )
    return ClockInfo(SOURCE, synced, f"{verdict}; adjtimex state {label}, maxerror {maxerror} µs")
