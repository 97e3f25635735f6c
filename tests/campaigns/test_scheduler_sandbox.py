"""The scheduler process on the sandbox: a campaign every 2 s, real `lantian crawl` runs.

One test walks the whole life of a scheduled campaign, because each real crawl
costs seconds: the first run's crawl is killed (marked failed, with its log);
the next run starts on schedule; SIGTERM to the scheduler checkpoints that
crawl; the restarted scheduler keeps its job and its next run resumes the crawl
and succeeds.  No two runs overlap, and one alert digest per run with new
findings reaches a webhook.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from campaigns.record import RunInfo, jobdir_for, list_runs, unit_of_work
from campaigns.specs import CampaignSpec, Limits, Schedule, upsert_campaign
from campaigns.supervisor import dispose_engines
from lantian.config import Settings
from store.db import upgrade_url
from store.models import Listing, ListingVersion, RunStatus

pytestmark = pytest.mark.slow


class Receiver:
    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        received = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/alerts"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


def _wait(what: str, predicate: Callable[[], Any], timeout: float = 120.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


class SchedulerProcess:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        with open(log, "ab") as fh:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "lantian", "scheduler"],
                env=env,
                stdout=fh,
                stderr=subprocess.STDOUT,
            )

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(90)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def test_scheduled_campaign_lifecycle_on_the_sandbox(
    settings: Settings, sandbox: Any, receiver: Receiver, tmp_path: Path
) -> None:
    upgrade_url(settings.resolved_database_url)
    spec = CampaignSpec(
        name="蓝天-每两秒",
        keywords=["专利"],
        platforms=["zhiquanba"],
        base_urls={"zhiquanba": sandbox.urls["zhiquanba"]},
        limits=Limits(depth=1, pages=4),
        capture=False,
        schedule=Schedule(interval_s=2),
    )
    with unit_of_work(settings) as session:
        campaign_id = upsert_campaign(session, spec).id
    env = {
        **os.environ,
        "LANTIAN_DATA_DIR": str(settings.data_dir.resolve()),
        "LANTIAN_ALLOW_PRIVATE_NETWORKS": "true",
        "LANTIAN_ALERT_WEBHOOK_URLS": json.dumps([receiver.url]),
        "LANTIAN_SHUTDOWN_GRACE_S": "0",
        "LANTIAN_SCHEDULER_REAP_INTERVAL_S": "1",
    }

    def runs() -> list[RunInfo]:
        return sorted(list_runs(settings, campaign_id, limit=50), key=lambda r: r.id)

    def running_run() -> RunInfo | None:
        return next((r for r in runs() if r.status is RunStatus.running and r.pid), None)

    scheduler = SchedulerProcess(env, tmp_path / "scheduler.log")
    try:
        # 1. The first scheduled run's crawl dies (SIGKILL to its process group): marked failed.
        first = _wait("the first run to be running", running_run)
        frontier = jobdir_for(settings, campaign_id) / "zhiquanba" / "frontier.sqlite"
        _wait("the first run's frontier to be written", frontier.is_file, timeout=60)
        os.killpg(first.pid, signal.SIGKILL)
        killed = _wait(
            "the killed run to be marked failed",
            lambda: next(
                (r for r in runs() if r.id == first.id and r.status is RunStatus.failed), None
            ),
        )
        assert "exited with code -9" in (killed.error or "")
        assert killed.finished_at is not None

        # 2. The next run starts on schedule all the same ...
        second = _wait(
            "the next run's spider to be crawling",
            lambda: next(
                (
                    r
                    for r in runs()
                    if r.status is RunStatus.running
                    and r.id > first.id
                    and r.log_path
                    and "Spider opened" in Path(r.log_path).read_text(errors="replace")
                ),
                None,
            ),
        )
        # ... and continues the killed crawl from the frontier it wrote as it went
        second_log = Path(second.log_path or "").read_text(errors="replace")
        assert "resuming the interrupted crawl" in second_log
        assert "zhiquanba: resume-after-hard-kill" in second_log
        # a few pages fetched, most still queued: the resumed crawl can finish within a second
        # now that classifying is compiled, so the stop must come well within it
        time.sleep(0.2)

        # 3. SIGTERM to the scheduler: the crawl in progress stops gracefully and keeps its JOBDIR.
        assert scheduler.stop() == 0
        stopped = _wait(
            "the interrupted run to be finished",
            lambda: next(
                (r for r in runs() if r.id == second.id and r.status is not RunStatus.running), None
            ),
            timeout=30,
        )
        assert stopped.status is RunStatus.cancelled, stopped.error
        assert (jobdir_for(settings, campaign_id) / "zhiquanba").is_dir(), (
            "the frontier is kept to resume"
        )

        # 4. A restarted scheduler still has the job and its next run resumes the crawl.
        scheduler = SchedulerProcess(env, tmp_path / "scheduler.log")
        resumed = _wait(
            "a run after the restart to finish",
            lambda: next(
                (
                    r
                    for r in runs()
                    if r.id > second.id and r.status in {RunStatus.succeeded, RunStatus.failed}
                ),
                None,
            ),
        )
        assert resumed.status is RunStatus.succeeded, resumed.error
        log = Path(resumed.log_path or "").read_text(errors="replace")
        assert "resuming the interrupted crawl" in log and "zhiquanba: resume" in log
        assert scheduler.stop() == 0
    finally:
        scheduler.kill()

    history = [r for r in runs() if r.status is not RunStatus.queued]
    assert all(r.trigger == "schedule" for r in history)
    for before, after in zip(history, history[1:], strict=False):
        assert before.finished_at is not None and after.started_at is not None
        assert after.started_at >= before.finished_at, f"runs {before.id} and {after.id} overlap"

    # One digest per run that found new high-severity listings, each listing in exactly one digest.
    alerted_runs = [body["run_id"] for body in receiver.bodies]
    assert len(alerted_runs) == len(set(alerted_runs)) >= 1
    alerted = sorted(f["listing_id"] for body in receiver.bodies for f in body["new_high_severity"])
    with unit_of_work(settings) as session:
        high = sorted(session.scalars(select(Listing.id).where(Listing.severity == "high")))
        runs_with_versions = set(session.scalars(select(ListingVersion.run_id).distinct()))
    assert alerted == high and len(high) > 1, "a digest carries all of a run's new findings"
    assert set(alerted_runs) <= runs_with_versions
    dispose_engines()
