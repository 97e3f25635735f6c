"""The scheduler: campaign runs, takedown re-checks, evidence re-verification, reaping.

APScheduler 3 with its jobs in the project's database (``SQLAlchemyJobStore``,
table ``apscheduler_jobs``), so a restarted scheduler keeps its jobs and their
next run times, and a run missed while it was down follows the campaign's
misfire policy:

* ``run_once`` (default): however late, run once; missed runs are coalesced;
* ``skip``: a run more than :data:`SKIP_GRACE_S` late is dropped, wait for the next;
* ``run_all``: run every missed occurrence (one after another: runs never overlap).

Campaign jobs are derived from the ``campaigns`` table (schedule_cron or
schedule_interval_s, not paused) at start and every
``scheduler_sync_interval_s`` seconds; :func:`sync_now` re-reads at once (the
API calls it after an edit when it embeds the scheduler).  A job whose
schedule did not change is left alone, so its next run time survives restarts.

Job functions are module-level (the job store pickles references to them) and
take only ids; they find the settings the scheduler was started with.

Only one scheduler should run per database: ``lantian serve`` embeds one
(:func:`start_background_scheduler`) unless a separate ``lantian scheduler``
process is deployed.  Even if two run, runs of a campaign never overlap (the
guard is in ``campaigns.record``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MISSED,
    JobExecutionEvent,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED, BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.config import CampaignSettings
from campaigns.leader import LeaderLock
from campaigns.metrics import SCHEDULER_JOB_RUNS, SCHEDULER_JOBS
from store import Campaign

log = logging.getLogger(__name__)

JOBSTORE_TABLE = "apscheduler_jobs"
CAMPAIGN_JOB_PREFIX = "campaign:"
SYNC_JOB = "lantian:sync"
REAP_JOB = "lantian:reap"
RECHECK_JOB = "lantian:recheck"
VERIFY_JOB = "lantian:verify"
SKIP_GRACE_S = 60
MISFIRE_POLICIES = ("run_once", "skip", "run_all")


class ScheduleError(ValueError):
    """A campaign's schedule or misfire policy cannot be used."""


class SchedulerNotStarted(RuntimeError):
    """A job function ran in a process whose scheduler was not started."""


@dataclass
class SyncResult:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    invalid: dict[str, str] = field(default_factory=dict)


Recheck = Callable[[Session], Sequence[Any]]
"""The takedown re-check the scheduler runs on its interval: ``functools.partial(takedown.recheck_due,
settings=settings)``, given by the shell or the app factory that starts the scheduler."""

_state_lock = threading.Lock()
_scheduler: BaseScheduler | None = None
_settings: CampaignSettings | None = None
_recheck: Recheck | None = None


def current_settings() -> CampaignSettings:
    """The settings the running scheduler was started with (job functions use these)."""
    if _settings is None:
        raise SchedulerNotStarted("no scheduler was started in this process: no settings to use")
    return _settings


# -- schedules -----------------------------------------------------------------------------------


def campaign_trigger(cron: str | None, interval_s: int | None) -> BaseTrigger | None:
    """The trigger for a campaign's schedule, or None when it has none."""
    if cron:
        try:
            return CronTrigger.from_crontab(cron, timezone=UTC)
        except ValueError as exc:
            raise ScheduleError(f"schedule_cron {cron!r}: {exc}") from exc
    if interval_s:
        if interval_s < 1:
            raise ScheduleError(f"schedule_interval_s must be >= 1, got {interval_s}")
        return IntervalTrigger(seconds=interval_s, timezone=UTC)
    return None


def misfire_options(policy: str) -> dict[str, Any]:
    """APScheduler's coalesce / misfire_grace_time for a campaign's misfire policy."""
    if policy == "run_once":
        return {"coalesce": True, "misfire_grace_time": None}
    if policy == "skip":
        return {"coalesce": True, "misfire_grace_time": SKIP_GRACE_S}
    if policy == "run_all":
        return {"coalesce": False, "misfire_grace_time": None}
    raise ScheduleError(f"misfire_policy {policy!r}: expected one of {', '.join(MISFIRE_POLICIES)}")


def validate_schedule(cron: str | None, interval_s: int | None, policy: str) -> None:
    """Raise ScheduleError naming the field if a campaign's schedule cannot be scheduled."""
    if cron and interval_s:
        raise ScheduleError("give schedule_cron or schedule_interval_s, not both")
    campaign_trigger(cron, interval_s)
    misfire_options(policy)


def _same(job: Any, trigger: BaseTrigger, options: dict[str, Any]) -> bool:
    return (
        str(job.trigger) == str(trigger)
        and type(job.trigger) is type(trigger)
        and job.coalesce == options["coalesce"]
        and job.misfire_grace_time == options["misfire_grace_time"]
    )


def _put(
    scheduler: BaseScheduler,
    job_id: str,
    func: Any,
    trigger: BaseTrigger,
    name: str,
    args: tuple[Any, ...] = (),
    **options: Any,
) -> str | None:
    """Add the job, or replace it if its trigger or options changed; 'added'/'updated'/None."""
    existing = scheduler.get_job(job_id)
    opts = {"coalesce": True, "misfire_grace_time": None, **options}
    if existing is not None and _same(existing, trigger, opts):
        if existing.name != name:
            existing.modify(name=name)
        return None
    scheduler.add_job(
        func,
        trigger,
        id=job_id,
        name=name,
        args=args,
        replace_existing=True,
        max_instances=1,
        **opts,
    )
    return "updated" if existing is not None else "added"


def sync_campaign_jobs(scheduler: BaseScheduler, settings: CampaignSettings) -> SyncResult:
    """Make the scheduler's campaign jobs match the campaigns table."""
    from campaigns.record import unit_of_work

    result = SyncResult()
    wanted: dict[str, tuple[int, str, BaseTrigger, dict[str, Any]]] = {}
    with unit_of_work(settings) as session:
        for campaign in session.scalars(select(Campaign).where(Campaign.paused.is_(False))):
            job_id = f"{CAMPAIGN_JOB_PREFIX}{campaign.id}"
            try:
                trigger = campaign_trigger(campaign.schedule_cron, campaign.schedule_interval_s)
                options = misfire_options(campaign.misfire_policy or "run_once")
            except ScheduleError as exc:
                result.invalid[job_id] = str(exc)
                log.error("campaign %r not scheduled: %s", campaign.name, exc)
                continue
            if trigger is not None:
                wanted[job_id] = (campaign.id, campaign.name, trigger, options)
    for job in scheduler.get_jobs():
        if job.id.startswith(CAMPAIGN_JOB_PREFIX) and job.id not in wanted:
            scheduler.remove_job(job.id)
            result.removed.append(job.id)
    for job_id, (campaign_id, name, trigger, options) in wanted.items():
        change = _put(
            scheduler,
            job_id,
            run_campaign_job,
            trigger,
            f"campaign {name}",
            (campaign_id,),
            **options,
        )
        if change == "added":
            result.added.append(job_id)
        elif change == "updated":
            result.updated.append(job_id)
    if result.added or result.updated or result.removed:
        log.info(
            "campaign jobs synced: added %s, updated %s, removed %s",
            result.added,
            result.updated,
            result.removed,
        )
    SCHEDULER_JOBS.set(len(scheduler.get_jobs()))
    return result


def install_system_jobs(
    scheduler: BaseScheduler, settings: CampaignSettings, *, recheck: bool = True
) -> None:
    """Sync, reaping, takedown re-checks (when given one) and evidence re-verification."""
    every = {
        SYNC_JOB: (sync_job, settings.scheduler_sync_interval_s, "sync campaign schedules"),
        REAP_JOB: (reap_job, settings.scheduler_reap_interval_s, "fail runs whose crawl died"),
        RECHECK_JOB: (recheck_job, settings.scheduler_recheck_interval_s, "takedown re-checks"),
        VERIFY_JOB: (verify_job, settings.scheduler_verify_interval_s, "re-verify evidence"),
    }
    if not recheck:
        del every[RECHECK_JOB]
    for job_id, (func, seconds, name) in every.items():
        _put(scheduler, job_id, func, IntervalTrigger(seconds=seconds, timezone=UTC), name)


# -- job functions (module level: the job store pickles references to them) -------------------


def run_campaign_job(campaign_id: int) -> int | None:
    """Start a scheduled run of the campaign; skipped (None) while a run of it is active."""
    from campaigns.record import CampaignNotFound, RunAlreadyActive
    from campaigns.supervisor import start_run

    settings = current_settings()
    try:
        return start_run(settings, campaign_id, trigger="schedule")
    except RunAlreadyActive as exc:
        log.info("scheduled run skipped: %s", exc)
        SCHEDULER_JOB_RUNS.labels(job="campaign", outcome="skipped_overlap").inc()
        return None
    except CampaignNotFound:
        log.warning("campaign %s vanished; removing its job", campaign_id)
        with _state_lock:
            if _scheduler is not None and _scheduler.get_job(f"{CAMPAIGN_JOB_PREFIX}{campaign_id}"):
                _scheduler.remove_job(f"{CAMPAIGN_JOB_PREFIX}{campaign_id}")
        return None


def sync_job() -> None:
    with _state_lock:
        scheduler = _scheduler
    if scheduler is not None:
        sync_campaign_jobs(scheduler, current_settings())


def reap_job() -> list[int]:
    """Fail runs whose crawl died; alert runs that ended without their launcher alerting."""
    from campaigns.alerts import send_pending_digests
    from campaigns.reaper import reap_stale_runs

    settings = current_settings()
    reaped = reap_stale_runs(settings)
    send_pending_digests(settings)
    return reaped


def recheck_job() -> Any:
    """Re-check the listings of sent takedown notices that are due.

    The re-check itself (``takedown.recheck_due``) is handed in by whoever started the
    scheduler (:data:`Recheck`): campaigns and takedown stand side by side and do not
    import each other.
    """
    from campaigns.record import unit_of_work

    settings = current_settings()
    with _state_lock:
        recheck = _recheck
    if recheck is None:
        raise SchedulerNotStarted("the scheduler was started without a takedown re-check")
    with unit_of_work(settings) as session:
        reports = recheck(session)
    if reports:
        log.info(
            "takedown re-check: %d notice(s) checked: %s",
            len(reports),
            ", ".join(f"{r.reference} {r.status}" for r in reports),
        )
    return reports


def verify_job() -> Any:
    """Re-verify the evidence store and record the outcome on each capture and in the audit log."""
    from campaigns.verification import reverify_evidence

    return reverify_evidence(current_settings())


def _on_event(event: JobExecutionEvent) -> None:
    job = (
        event.job_id.split(":", 1)[0]
        if event.job_id.startswith(CAMPAIGN_JOB_PREFIX)
        else event.job_id
    )
    if event.code == EVENT_JOB_ERROR:
        SCHEDULER_JOB_RUNS.labels(job=job, outcome="error").inc()
        log.error("job %s failed: %r", event.job_id, event.exception)
    elif event.code == EVENT_JOB_MISSED:
        SCHEDULER_JOB_RUNS.labels(job=job, outcome="missed").inc()
        log.warning(
            "job %s missed its run time %s (misfire policy)", event.job_id, event.scheduled_run_time
        )
    else:
        SCHEDULER_JOB_RUNS.labels(job=job, outcome="ok").inc()


# -- building and running ------------------------------------------------------------------------


class LantianScheduler(BackgroundScheduler):  # type: ignore[misc]  # apscheduler is untyped
    """APScheduler's BackgroundScheduler that runs nothing once it is shut down.

    APScheduler 3 wakes its loop on shutdown and processes due jobs once more
    with executors already closed: the submission fails and the job's next run
    time moves on, so a run due at that moment would be lost instead of
    following its misfire policy at the next start.
    """

    leader: LeaderLock | None = None
    """Held while started by :func:`start_background_scheduler`: one scheduler per database."""

    def _process_jobs(self) -> float | None:
        if self.state == STATE_STOPPED:
            return None
        result: float | None = super()._process_jobs()
        return result


def _jobstore(settings: CampaignSettings) -> SQLAlchemyJobStore:
    """A job store with an engine of its own that keeps no pool.

    APScheduler's loop can take one more pass over the job store after shutdown has
    disposed its engine (it checks the state, then waits for the lock that shutdown
    holds).  A pooled engine would keep the connection that pass opens, unclosed, in a
    pool nobody disposes; without a pool every connection is closed as it is returned.
    The job store is read once per wake-up, so the extra connects cost nothing that shows.
    """
    from sqlalchemy.pool import NullPool

    from store import make_engine

    return SQLAlchemyJobStore(
        engine=make_engine(settings.resolved_database_url, poolclass=NullPool),
        tablename=JOBSTORE_TABLE,
    )


def build_scheduler(settings: CampaignSettings) -> LantianScheduler:
    """A scheduler whose job store is the project's database (not started)."""
    jobstore = _jobstore(settings)
    scheduler = LantianScheduler(
        jobstores={"default": jobstore},
        executors={"default": ThreadPoolExecutor(8)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        timezone=UTC,
    )
    scheduler.add_listener(_on_event, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    return scheduler


def _prepare(scheduler: BaseScheduler, settings: CampaignSettings, recheck: Recheck | None) -> None:
    global _scheduler, _settings, _recheck
    with _state_lock:
        _scheduler, _settings, _recheck = scheduler, settings, recheck
    from campaigns.metrics import install_store_collector

    install_store_collector(settings)


def stored_jobs(settings: CampaignSettings) -> list[Job]:
    """The jobs in the database, read without starting a scheduler."""
    jobstore = _jobstore(settings)
    jobstore.start(build_scheduler(settings), "default")
    try:
        return list(jobstore.get_all_jobs())
    finally:
        jobstore.shutdown()


def start_background_scheduler(
    settings: CampaignSettings, recheck: Recheck | None = None
) -> BackgroundScheduler:
    """Start the scheduler in background threads (``lantian serve`` calls this in its lifespan).

    ``recheck`` is the takedown re-check to run every ``scheduler_recheck_interval_s``
    (none without it).

    Raises ``campaigns.leader.SchedulerAlreadyRunning`` when another scheduler
    runs against the same database.  Stop it with :func:`stop_scheduler`.
    """
    scheduler = build_scheduler(settings)
    leader = LeaderLock.for_url(settings.resolved_database_url)
    leader.acquire()
    scheduler.leader = leader
    try:
        _prepare(scheduler, settings, recheck)
        scheduler.start(paused=True)
        install_system_jobs(scheduler, settings, recheck=recheck is not None)
        sync_campaign_jobs(scheduler, settings)
        scheduler.resume()
    except BaseException:
        if scheduler.running:
            scheduler.shutdown(wait=False)
        leader.release()
        raise
    log.info("scheduler started with %d jobs", len(scheduler.get_jobs()))
    return scheduler


@contextmanager
def embedded_scheduler(
    settings: CampaignSettings, recheck: Recheck | None = None
) -> Iterator[BackgroundScheduler | None]:
    """For ``lantian serve``'s lifespan: run the scheduler inside the app when
    ``settings.embed_scheduler`` is true, stop it (letting crawls checkpoint) on the way out."""
    if not settings.embed_scheduler:
        yield None
        return
    scheduler = start_background_scheduler(settings, recheck)
    try:
        yield scheduler
    finally:
        stop_scheduler(scheduler)


def sync_now() -> SyncResult | None:
    """Re-read the campaigns table now (after a create/edit/pause in this process)."""
    with _state_lock:
        scheduler = _scheduler
    if scheduler is None:
        return None
    return sync_campaign_jobs(scheduler, current_settings())


def stop_scheduler(scheduler: BaseScheduler, *, grace_s: float | None = None) -> None:
    """Stop scheduling, then let running crawls finish for ``grace_s`` before they checkpoint."""
    global _scheduler
    from campaigns.supervisor import shutdown_children

    settings = current_settings()
    if scheduler.running:
        scheduler.shutdown(wait=True)
    shutdown_children(settings.shutdown_grace_s if grace_s is None else grace_s)
    leader = getattr(scheduler, "leader", None)
    if leader is not None:
        leader.release()
        scheduler.leader = None
    with _state_lock:
        if _scheduler is scheduler:
            _scheduler = None
    from campaigns.metrics import uninstall_store_collectors

    uninstall_store_collectors()
    log.info("scheduler stopped")
