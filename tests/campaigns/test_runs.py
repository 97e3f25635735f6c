"""Run launching: the cross-process no-overlap guard, reaping dead crawls, the never-launched run."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from campaigns.reaper import reap_stale_runs
from campaigns.record import (
    RunAlreadyActive,
    RunNotActive,
    conclude_run,
    get_run,
    list_runs,
    this_host,
)
from campaigns.supervisor import cancel_run, dispose_engines, process_alive, start_run
from crawler import RunResult
from lantian.config import Settings
from store.models import Campaign, CampaignRun, RunStatus, utcnow


@pytest.fixture
def ops_settings(
    settings: Settings, database_url: str, session_factory: sessionmaker[Session]
) -> Iterator[Settings]:
    yield settings.model_copy(update={"database_url": database_url})
    dispose_engines()


def _campaign(session: Session, name: str = "guarded") -> Campaign:
    # No such profile: the real `lantian crawl` refuses it at once, which is all these tests need.
    campaign = Campaign(name=name, keywords=["专利"], platforms=["no_such_platform"])
    session.add(campaign)
    session.commit()
    return campaign


def test_concurrent_starts_of_one_campaign_launch_exactly_one_run(
    ops_settings: Settings, session: Session
) -> None:
    campaign = _campaign(session)
    barrier = threading.Barrier(6)
    started: list[int] = []
    refused: list[RunAlreadyActive] = []

    def attempt() -> None:
        barrier.wait()
        try:
            started.append(start_run(ops_settings, campaign.id, trigger="test"))
        except RunAlreadyActive as exc:
            refused.append(exc)

    threads = [threading.Thread(target=attempt) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(started) == 1 and len(refused) == 5
    assert all(exc.run_id == started[0] for exc in refused)

    # Cancelling ends it at once (its process group is signalled); then the campaign can run again.
    cancelled = cancel_run(ops_settings, started[0], grace_s=5)
    assert cancelled.status is RunStatus.cancelled and cancelled.finished_at is not None
    assert cancelled.pid is not None and not process_alive(cancelled.pid, cancelled.id)
    with pytest.raises(RunNotActive):
        cancel_run(ops_settings, started[0])
    again = start_run(ops_settings, campaign.id)
    assert again != started[0]
    assert cancel_run(ops_settings, again, grace_s=5).status is RunStatus.cancelled
    assert [run.status for run in list_runs(ops_settings, campaign.name)] == [
        RunStatus.cancelled
    ] * 2


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.mark.parametrize(
    "database_url", ["sqlite"], indirect=True
)  # PostgreSQL: see the tests run on both
def test_reaper_fails_runs_whose_process_is_gone_and_keeps_live_ones(
    ops_settings: Settings, session: Session, tmp_path: Path
) -> None:
    campaign = _campaign(session)
    log = tmp_path / "crashed.log"
    log.write_text(
        "2026 INFO crawled 12 pages\nTraceback (most recent call last):\nMemoryError: boom\n"
    )
    crashed = CampaignRun(
        campaign_id=campaign.id,
        status=RunStatus.running,
        started_at=utcnow(),
        pid=_dead_pid(),
        host=this_host(),
        log_path=str(log),
    )
    elsewhere = CampaignRun(
        campaign_id=campaign.id,
        status=RunStatus.running,
        started_at=utcnow(),
        pid=_dead_pid(),
        host="another-host",
    )
    never = CampaignRun(
        campaign_id=campaign.id,
        status=RunStatus.queued,
        host=this_host(),
        started_at=utcnow() - timedelta(minutes=5),
    )
    fresh = CampaignRun(
        campaign_id=campaign.id, status=RunStatus.queued, host=this_host(), started_at=utcnow()
    )
    session.add_all([crashed, elsewhere, never, fresh])
    session.flush()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "--run-id", "0"])
    alive = CampaignRun(
        campaign_id=campaign.id,
        status=RunStatus.running,
        started_at=utcnow(),
        pid=live.pid,
        host=this_host(),
    )
    session.add(alive)
    session.commit()
    try:
        # the pid is alive, but it is not the crawl of this run: the command line names run 0
        assert process_alive(live.pid) and not process_alive(live.pid, alive.id)
        alive_run_cmd = subprocess.Popen(
            [sys.executable, "-c", "import time; time.sleep(60)", "--run-id", str(alive.id)]
        )
        session.query(CampaignRun).filter_by(id=alive.id).update({"pid": alive_run_cmd.pid})
        session.commit()
        reaped = reap_stale_runs(ops_settings)
        assert sorted(reaped) == sorted([crashed.id, never.id])
        assert get_run(ops_settings, alive.id).status is RunStatus.running
    finally:
        live.kill()
        live.wait()
        alive_run_cmd.kill()
        alive_run_cmd.wait()
    failed = get_run(ops_settings, crashed.id)
    assert failed.status is RunStatus.failed and failed.finished_at is not None
    assert "MemoryError: boom" in (failed.error or "")
    assert "never started" in (get_run(ops_settings, never.id).error or "")
    assert get_run(ops_settings, elsewhere.id).status is RunStatus.running, (
        "another host's pid means nothing here"
    )
    assert get_run(ops_settings, fresh.id).status is RunStatus.queued, (
        "just created, still launching"
    )
    # now the live crawl is gone too
    assert reap_stale_runs(ops_settings) == [alive.id]


@pytest.mark.parametrize(
    "database_url", ["sqlite"], indirect=True
)  # PostgreSQL: see the tests run on both
def test_cancel_from_another_host_is_carried_out_by_the_launching_host(
    ops_settings: Settings, session: Session
) -> None:
    campaign = _campaign(session)
    run = CampaignRun(
        campaign_id=campaign.id, status=RunStatus.running, started_at=utcnow(), host="scheduler-box"
    )
    session.add(run)
    session.commit()
    crawl = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)", "--run-id", str(run.id)],
        start_new_session=True,
    )
    try:
        session.query(CampaignRun).filter_by(id=run.id).update({"pid": crawl.pid})
        session.commit()
        # The API on another host can only ask.
        asked = cancel_run(ops_settings, run.id)
        assert asked.status is RunStatus.running and crawl.poll() is None
        # The scheduler on the launching host (played here by renaming the run's host) acts on it.
        session.query(CampaignRun).filter_by(id=run.id).update({"host": this_host()})
        session.commit()
        reap_stale_runs(ops_settings)
        assert crawl.wait(10) == -15
    finally:
        if crawl.poll() is None:
            crawl.kill()
            crawl.wait()
    done = get_run(ops_settings, run.id)
    assert done.status is RunStatus.cancelled and done.finished_at is not None


@pytest.mark.parametrize(
    ("finish_reason", "status", "error"),
    [
        ("shutdown", RunStatus.cancelled, "stopped by a signal"),
        ("finished", RunStatus.failed, "nothing could be fetched"),
    ],
)
def test_a_run_stopped_before_its_first_response_is_cancelled_not_failed(
    session: Session, finish_reason: str, status: RunStatus, error: str
) -> None:
    campaign = _campaign(session)
    run = CampaignRun(campaign_id=campaign.id, status=RunStatus.running, started_at=utcnow())
    session.add(run)
    session.commit()
    nothing = RunResult(
        stats={},
        per_platform={"zhiquanba": {"finish_reason": finish_reason}},
        seconds=1.0,
        peak_rss_kb=0,
    )
    concluded = conclude_run(session, run.id, "w1", nothing)
    assert concluded.status is status
    assert run.status is status and error in (run.error or "")
