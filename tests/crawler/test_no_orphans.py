"""A crawl killed with SIGKILL leaves no process behind: its classification worker and the
helpers it started end on their own."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.crawler.conftest import crawl_cmd, crawl_env, write_campaign
from tests.crawler.test_resume_and_workers import count_listings, slow_profiles

pytestmark = pytest.mark.slow

#: how long the orphans get to notice that the crawl is gone
GRACE_S = 10.0

_Proc = tuple[int, str]
"""a pid and its start time, so a pid reused by another process is not taken for a survivor"""


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name, or None when gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw.rsplit(")", 1)[1].split()


def descendants(root: int) -> set[_Proc]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        fields = _stat(int(entry)) if entry.isdigit() else None
        if fields is not None:
            children.setdefault(int(fields[1]), []).append(int(entry))
    found: set[_Proc] = set()
    todo = [root]
    while todo:
        for pid in children.get(todo.pop(), []):
            fields = _stat(pid)
            if fields is not None:
                found.add((pid, fields[19]))
                todo.append(pid)
    return found


def alive(procs: set[_Proc]) -> set[_Proc]:
    """Those still running (a zombie has ended; its reaper is not ours to wait for)."""
    out = set()
    for pid, started in procs:
        fields = _stat(pid)
        if fields is not None and fields[19] == started and fields[0] != "Z":
            out.add((pid, started))
    return out


def command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:120]
    except OSError:
        return "?"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to list processes")
def test_hard_killed_crawl_leaves_no_orphans(sandbox: Any, tmp_path: Path) -> None:
    urls = {"zhiquanba": sandbox.urls["zhiquanba"]}
    campaign = write_campaign(tmp_path / "orphans.yaml", urls, keywords=["挂靠"])
    data = tmp_path / "var"
    profiles = slow_profiles(tmp_path, delay=0.2)
    proc = subprocess.Popen(
        crawl_cmd(campaign),
        env=crawl_env(data, LANTIAN_PROFILES_DIR=str(profiles)),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    procs: set[_Proc] = set()
    try:
        deadline = time.monotonic() + 90
        # a stored listing was classified: the worker is up
        while count_listings(data / "lantian.db") < 1 and time.monotonic() < deadline:
            assert proc.poll() is None, "the crawl ended before it could be killed"
            time.sleep(0.1)
        procs = descendants(proc.pid)
        assert proc.poll() is None, "the crawl ended before it could be killed"
        assert any("spawn_main" in command(pid) for pid, _ in procs), [
            command(pid) for pid, _ in procs
        ]
        proc.kill()
        proc.wait(timeout=30)
        deadline = time.monotonic() + GRACE_S
        while alive(procs) and time.monotonic() < deadline:
            time.sleep(0.1)
        survivors = {pid: command(pid) for pid, _ in alive(procs)}
        assert not survivors, (
            f"still running {GRACE_S:.0f} s after the crawl was killed: {survivors}"
        )
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
        for pid, _ in alive(procs):
            os.kill(pid, signal.SIGKILL)
