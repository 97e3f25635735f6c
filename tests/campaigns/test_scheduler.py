"""The scheduler's persistent jobs: restart keeps them, campaign edits reach them, misfire policies."""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from campaigns.leader import SchedulerAlreadyRunning
from campaigns.record import RunNotActive
from campaigns.scheduler import (
    JOBSTORE_TABLE,
    REAP_JOB,
    RECHECK_JOB,
    SYNC_JOB,
    VERIFY_JOB,
    ScheduleError,
    build_scheduler,
    embedded_scheduler,
    start_background_scheduler,
    stop_scheduler,
    stored_jobs,
    sync_now,
    validate_schedule,
)
from campaigns.supervisor import cancel_run, dispose_engines
from lantian.config import Settings
from store.db import make_engine
from store.models import Campaign, CampaignRun, utcnow
from takedown import recheck_due


def _start(settings: Settings) -> BackgroundScheduler:
    """Start the scheduler as the shell does: with the takedown re-check handed in."""
    return start_background_scheduler(settings, functools.partial(recheck_due, settings=settings))


@pytest.fixture
def ops_settings(
    settings: Settings, database_url: str, session_factory: sessionmaker[Session]
) -> Iterator[Settings]:
    yield settings.model_copy(update={"database_url": database_url})
    dispose_engines()


def _campaign(session: Session, name: str, **schedule: object) -> Campaign:
    campaign = Campaign(name=name, keywords=["专利"], platforms=["no_such_platform"], **schedule)
    session.add(campaign)
    session.commit()
    return campaign


def _stored_jobs(settings: Settings) -> dict[str, object]:
    return {job.id: job.next_run_time for job in stored_jobs(settings)}


def test_restart_keeps_jobs_and_their_next_run_times(
    ops_settings: Settings, session: Session
) -> None:
    nightly = _campaign(session, "nightly", schedule_cron="0 3 * * *")
    hourly = _campaign(session, "hourly", schedule_interval_s=3600)
    _campaign(session, "manual-only")
    _campaign(session, "paused", schedule_interval_s=600, paused=True)

    scheduler = _start(ops_settings)
    first = {job.id: job.next_run_time for job in scheduler.get_jobs()}
    stop_scheduler(scheduler, grace_s=0)
    assert set(first) == {
        f"campaign:{nightly.id}",
        f"campaign:{hourly.id}",
        SYNC_JOB,
        REAP_JOB,
        RECHECK_JOB,
        VERIFY_JOB,
    }
    assert first[f"campaign:{nightly.id}"].hour == 3

    assert _stored_jobs(ops_settings) == first, "the job store in the database kept every job"
    time.sleep(1.1)
    scheduler = _start(ops_settings)
    try:
        again = {job.id: job.next_run_time for job in scheduler.get_jobs()}
    finally:
        stop_scheduler(scheduler, grace_s=0)
    assert again == first, "a restart neither loses jobs nor resets their schedule"


@pytest.mark.parametrize(
    "database_url", ["sqlite"], indirect=True
)  # PostgreSQL: see the tests run on both
def test_campaign_changes_reach_the_running_scheduler(
    ops_settings: Settings, session: Session
) -> None:
    campaign = _campaign(session, "edited", schedule_interval_s=3600)
    scheduler = _start(ops_settings)
    job_id = f"campaign:{campaign.id}"
    try:
        assert scheduler.get_job(job_id) is not None
        campaign.schedule_interval_s = None
        campaign.schedule_cron = "30 8 * * 1-5"
        session.commit()
        result = sync_now()
        assert result is not None and result.updated == [job_id]
        assert "cron" in str(scheduler.get_job(job_id).trigger)

        campaign.paused = True
        session.commit()
        assert sync_now().removed == [job_id]  # type: ignore[union-attr]
        assert scheduler.get_job(job_id) is None

        campaign.paused = False
        campaign.schedule_cron = "not a cron"
        session.commit()
        result = sync_now()
        assert result is not None and job_id in result.invalid and scheduler.get_job(job_id) is None
    finally:
        stop_scheduler(scheduler, grace_s=0)


def test_validate_schedule_names_the_field() -> None:
    validate_schedule("*/5 * * * *", None, "skip")
    with pytest.raises(ScheduleError, match="schedule_cron"):
        validate_schedule("61 * * * *", None, "run_once")
    with pytest.raises(ScheduleError, match="misfire_policy 'sometimes'"):
        validate_schedule(None, 60, "sometimes")
    with pytest.raises(ScheduleError, match="not both"):
        validate_schedule("* * * * *", 60, "run_once")


def _miss(settings: Settings, job_id: str, late: timedelta) -> None:
    """Pretend the scheduler was down when the job was due ``late`` ago."""
    engine = make_engine(settings.resolved_database_url)
    jobstore = SQLAlchemyJobStore(engine=engine, tablename=JOBSTORE_TABLE)
    jobstore.start(build_scheduler(settings), "default")
    job = jobstore.lookup_job(job_id)
    job._modify(next_run_time=utcnow() - late)
    jobstore.update_job(job)
    engine.dispose()


@pytest.mark.parametrize(
    "database_url", ["sqlite"], indirect=True
)  # PostgreSQL: see the tests run on both
@pytest.mark.parametrize(("policy", "runs"), [("run_once", 1), ("skip", 0)])
def test_a_run_missed_while_down_follows_the_misfire_policy(
    ops_settings: Settings, session: Session, policy: str, runs: int
) -> None:
    campaign = _campaign(
        session, f"missed-{policy}", schedule_interval_s=3600, misfire_policy=policy
    )
    stop_scheduler(_start(ops_settings), grace_s=0)
    # down for two and a half periods: run_once runs once (coalesced), skip waits for the next period
    _miss(ops_settings, f"campaign:{campaign.id}", timedelta(hours=2, minutes=30))
    scheduler = _start(ops_settings)
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and runs and not _runs(session, campaign):
            time.sleep(0.1)
        time.sleep(0.5)
        found = _runs(session, campaign)
        assert len(found) == runs
        assert all(run.trigger == "schedule" for run in found)
        next_time = scheduler.get_job(f"campaign:{campaign.id}").next_run_time
        assert next_time > utcnow(), "the job is rescheduled into the future either way"
    finally:
        stop_scheduler(scheduler, grace_s=0)
    for run in found:
        with contextlib.suppress(RunNotActive):
            cancel_run(ops_settings, run.id, grace_s=5)


def _runs(session: Session, campaign: Campaign) -> list[CampaignRun]:
    session.expire_all()
    return list(session.scalars(select(CampaignRun).where(CampaignRun.campaign_id == campaign.id)))


@pytest.mark.parametrize(
    "database_url", ["sqlite"], indirect=True
)  # PostgreSQL: see the tests run on both
def test_embedded_scheduler_runs_only_when_asked(ops_settings: Settings) -> None:
    with embedded_scheduler(ops_settings) as none:
        assert none is None
    with embedded_scheduler(ops_settings.model_copy(update={"embed_scheduler": True})) as scheduler:
        assert scheduler is not None and scheduler.running
        assert scheduler.get_job(SYNC_JOB) is not None
    assert not scheduler.running


def test_only_one_scheduler_runs_per_database(ops_settings: Settings) -> None:
    first = _start(ops_settings)
    try:
        with pytest.raises(SchedulerAlreadyRunning, match="run only one"):
            _start(ops_settings)
    finally:
        stop_scheduler(first, grace_s=0)
    stop_scheduler(_start(ops_settings), grace_s=0)  # released on stop


def test_the_job_store_used_after_shutdown_leaves_no_connection_open(
    ops_settings: Settings,
) -> None:
    """APScheduler's loop can take one more pass over the job store after shutdown has
    disposed its engine (it checks the state, then waits for the job-store lock that
    shutdown holds); a connection that pass opens must not outlive the scheduler
    (the leak guard fails this test on PostgreSQL if it does)."""
    scheduler = build_scheduler(ops_settings)
    scheduler.start(paused=True)
    scheduler.shutdown(wait=True)
    scheduler._lookup_jobstore("default").get_due_jobs(utcnow())
