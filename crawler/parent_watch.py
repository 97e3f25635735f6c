"""A worker process that ends with the process that started it.

A spawned ``ProcessPoolExecutor`` worker waits on its request queue, but it holds
that pipe's write end as well, so it never reads EOF there: when the crawl is
killed with SIGKILL the worker (and the resource tracker it keeps open) would
wait forever as an orphan.  :func:`exit_with_parent` starts a thread that waits
for EOF on the pipe only the parent holds open (``multiprocessing``'s parent
sentinel) and checks that :func:`os.getppid` is still the parent, and on Linux
also asks the kernel for SIGKILL when the parent goes, which reaches a worker
stuck in a C call that never releases the GIL.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from multiprocessing.connection import wait

logger = logging.getLogger(__name__)

#: how often the parent's pid is checked, in seconds, besides waiting for EOF on its sentinel
POLL_S = 0.5
_PR_SET_PDEATHSIG = 1


def exit_with_parent(poll: float = POLL_S, death_signal: bool = True) -> None:
    """Make this process exit once its parent is gone; call early in a worker's initializer.

    The Linux death signal (``death_signal``) fires when the parent *thread* that
    started this process ends, so workers must be started from a thread that lives as
    long as its process (the crawl's reactor thread starts them).
    """
    parent = multiprocessing.parent_process()
    parent_pid = parent.pid if parent is not None and parent.pid else os.getppid()
    sentinel = parent.sentinel if parent is not None else None
    if death_signal and sys.platform.startswith("linux"):
        _ask_kernel_for_death_signal()
    threading.Thread(
        target=_watch, args=(parent_pid, sentinel, poll), name="lantian-parent-watch", daemon=True
    ).start()


def _parent_alive(parent_pid: int, sentinel: int | None, timeout: float) -> bool:
    """Whether the parent still runs, waiting up to ``timeout`` seconds for it to end."""
    if os.getppid() != parent_pid:
        return False  # reparented to init or a subreaper
    if sentinel is None:
        time.sleep(timeout)
        return os.getppid() == parent_pid
    return not wait([sentinel], timeout)


def _watch(parent_pid: int, sentinel: int | None, poll: float) -> None:
    while _parent_alive(parent_pid, sentinel, poll):
        pass
    logger.warning("parent process %d is gone; worker %d exits", parent_pid, os.getpid())
    os._exit(1)


def _ask_kernel_for_death_signal() -> None:
    libc_name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(libc_name, use_errno=True)
        failed = libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0
    except (OSError, AttributeError):
        failed = True
    if failed:
        logger.warning("no parent-death signal for worker %d: the watch thread alone", os.getpid())
