"""``lantian bench crawl``: the bare arm does the full crawl's work, found the way it found it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from crawler.bare import read_plans, slot_settings
from crawler.bench import full_arm
from lantian.config import default_chromium
from tests.commands import json_summary, run_command
from tests.crawler.conftest import crawl_env, run_crawl, write_campaign

ROOT = Path(__file__).resolve().parents[2]


def _write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _page(url: str, platform: str, parent: str | None = None) -> dict[str, Any]:
    return {"url": url, "platform": platform, "parent": parent, "priority": 0, "browser": False}


def test_pages_wait_for_their_parent_and_each_platform_keeps_its_slot(tmp_path: Path) -> None:
    log = _write(
        tmp_path / "urls.jsonl",
        [
            {"slot": "a", "concurrent_requests": 32, "concurrency": 8, "delay": 0.0},
            {"slot": "b", "concurrent_requests": 32, "concurrency": 1, "delay": 2.0},
            _page("http://h:1/s", "a"),
            _page("http://h:1/item/1", "a", "http://h:1/s"),
            _page("http://h:1/item/2", "a", "http://h:1/s"),
            _page("http://h:1/item/2", "a", "http://h:1/s"),  # retried: fetched twice
            _page("http://h:1/shop/1", "a", "http://h:1/item/1"),
            _page("http://h:1/robots-child", "a", "http://h:1/robots.txt"),
            _page("http://h:2/s", "b"),
            {**_page("http://h:2/link?to=1", "b", "http://h:2/s"), "final": "http://h:2/site/1"},
            _page("http://h:2/site/2", "b", "http://h:2/site/1"),  # found on the redirect's end
        ],
    )
    plans = read_plans(log)
    a, b = plans["a"], plans["b"]
    assert [e["url"] for e in a.roots] == ["http://h:1/s", "http://h:1/robots-child"]
    assert [e["url"] for e in a.children["http://h:1/s"]] == [
        "http://h:1/item/1",
        "http://h:1/item/2",
        "http://h:1/item/2",
    ]
    assert [e["url"] for e in a.children["http://h:1/item/1"]] == ["http://h:1/shop/1"]
    assert [e["url"] for e in b.roots] == ["http://h:2/s"]
    assert [e["url"] for e in b.children["http://h:2/site/1"]] == ["http://h:2/site/2"]
    assert slot_settings(b.slot, "")["CONCURRENT_REQUESTS_PER_DOMAIN"] == 1
    assert slot_settings(b.slot, "")["DOWNLOAD_DELAY"] == 2.0
    assert "DOWNLOAD_HANDLERS" not in slot_settings(a.slot, "")


@pytest.mark.browser
@pytest.mark.slow
def test_the_bare_arm_fetches_what_the_full_crawl_logged(sandbox: Any, tmp_path: Path) -> None:
    urls = dict(sandbox.urls)
    campaign = write_campaign(tmp_path / "bench.yaml", urls, keywords=["评职称"])
    log = tmp_path / "urls.jsonl"
    result = run_crawl(campaign, tmp_path / "var", "--url-log", str(log))
    assert result.returncode == 0, result.stderr[-3000:]
    run_log = "".join(
        p.read_text(encoding="utf-8") for p in (tmp_path / "var" / "logs").glob("*.log")
    )
    assert run_log.count("Starting download handler") == 1, (
        "one Playwright driver: the https handler, which no request used, started none"
    )
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    slots = {r["slot"]: r for r in records if "slot" in r}
    pages = [r for r in records if "url" in r]
    assert set(slots) == set(urls), "one slot a platform, as each has a crawler of its own"
    assert all(s["concurrency"] == 8 for s in slots.values())
    assert slots["taobaobei"]["browser_pages"] > 0 == slots["sousou"]["browser_pages"]
    fetched = {p["final"] for p in pages}
    found = [p for p in pages if p["parent"]]
    assert len(found) > len(pages) / 2, "most pages are found on another page"
    assert all(p["parent"] in fetched for p in found), "a parent is a page the crawl fetched"
    assert {p["platform"] for p in pages if p["parent"] is None} == set(urls)
    plans = read_plans(log)
    roots = sum(len(plan.roots) for plan in plans.values())
    assert roots == len(pages) - len(found)

    bare = run_command(
        [sys.executable, "-m", "crawler.bare", str(log), default_chromium() or ""],
        env=crawl_env(tmp_path / "var"),
        cwd=tmp_path,
        timeout=120,
    )
    summary = json_summary(bare)
    assert summary["pages"] >= len(pages), "every logged page, each after its parent came back"


def test_a_full_arm_that_flagged_nothing_is_no_figure() -> None:
    summary = {"pages": 429, "seconds": 6.5, "peak_rss_kb": 170_000, "flagged": 0}
    with pytest.raises(RuntimeError, match="flagged none of the 429"):
        full_arm(summary)
    assert full_arm({**summary, "flagged": 150}).pages == 429


_STOPPED_BENCH = """
import subprocess, sys
from crawler.bench import exits_on_sigterm
with exits_on_sigterm():
    subprocess.run([sys.executable, "-c", "import os, sys, time; open(sys.argv[1], 'w').write(str(os.getpid())); time.sleep(60)", sys.argv[1]])
"""


def test_a_bench_stopped_with_sigterm_takes_its_crawl_down(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    bench = subprocess.Popen([sys.executable, "-c", _STOPPED_BENCH, str(pid_file)], cwd=ROOT)
    try:
        deadline = time.monotonic() + 20
        while not pid_file.exists() or not pid_file.read_text():
            assert time.monotonic() < deadline, "the bench's child never started"
            time.sleep(0.05)
        child = int(pid_file.read_text())
        bench.send_signal(signal.SIGTERM)
        assert bench.wait(timeout=10) == 128 + signal.SIGTERM
        with pytest.raises(ProcessLookupError):
            os.kill(child, 0)  # killed and reaped by subprocess.run on the way out
    finally:
        bench.kill()
        bench.wait()
