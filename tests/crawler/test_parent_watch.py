"""The portable half of :func:`crawler.parent_watch.exit_with_parent`, without Linux's death signal."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys

from lantian.config import PROJECT_ROOT

CHILD = (
    "import time\n"
    "from crawler.parent_watch import exit_with_parent\n"
    "exit_with_parent(0.05, death_signal=False)\n"
    "print('ready', flush=True)\n"
    "time.sleep(60)\n"
)
PARENT = (
    "import subprocess, sys, time\n"
    f"child = subprocess.Popen([sys.executable, '-c', {CHILD!r}])\n"
    "print(child.pid, flush=True)\n"
    "time.sleep(60)\n"
)


def test_a_process_whose_parent_is_killed_exits_on_its_own() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT], cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    ended = False
    try:
        assert parent.stdout.readline() == "ready\n"
        parent.kill()
        # the child holds the pipe's write end too: EOF means it has exited
        parent.communicate(timeout=5)
        ended = True
    finally:
        if not ended:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)
        parent.kill()
        parent.communicate()
