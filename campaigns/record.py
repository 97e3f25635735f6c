"""The run record: a campaign run's row, its errors, and its state machine.

A run is ``queued`` when a launcher creates it (:func:`campaigns.supervisor.start_run`),
``running`` once a crawl process claims it (:func:`claim_run`), and ends
``succeeded``, ``failed`` or ``cancelled``: the crawl decides when it finishes
(:func:`conclude_run`; with several workers sharing a Redis frontier, the last one out),
and the supervisor or the reaper sets a terminal status when the crawl ended without
saying so (:func:`finish`).  Every change of a run's status is made here.

No two runs of one campaign overlap.  The guard lives in the database, so it
holds across processes (scheduler, API, CLI) on SQLite and PostgreSQL: the
transaction that inserts a run first writes to the campaign's row, which takes
the row lock on PostgreSQL and the database write lock on SQLite, and only
then checks for an active run.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker

from campaigns.config import CampaignSettings
from store import (
    Campaign,
    CampaignRun,
    RunStatus,
    make_engine,
    make_sessionmaker,
    session_scope,
    utcnow,
)

if TYPE_CHECKING:
    from crawler import RunResult

log = logging.getLogger(__name__)

ACTIVE = (RunStatus.queued, RunStatus.running)

FINISHED = (RunStatus.succeeded, RunStatus.failed, RunStatus.cancelled)

LOG_TAIL_BYTES = 4000

NEVER_LAUNCHED_AFTER = timedelta(minutes=2)


class RunError(Exception):
    """Base of the errors about campaign runs."""


class CampaignNotFound(RunError):
    def __init__(self, campaign: int | str) -> None:
        super().__init__(f"no campaign {campaign!r}")
        self.campaign = campaign


class RunNotFound(RunError):
    def __init__(self, run_id: int) -> None:
        super().__init__(f"no campaign run {run_id}")
        self.run_id = run_id


class RunAlreadyActive(RunError):
    """A run of the campaign is queued or running; runs of one campaign never overlap."""

    def __init__(self, campaign: str, run_id: int, status: str) -> None:
        super().__init__(
            f"campaign {campaign!r} already has run {run_id} {status}; not starting another"
        )
        self.campaign = campaign
        self.run_id = run_id


class RunNotActive(RunError):
    def __init__(self, run_id: int, status: str) -> None:
        super().__init__(f"run {run_id} is {status}, not queued or running")
        self.run_id = run_id


class RunOnOtherHost(RunError):
    def __init__(self, run_id: int, host: str) -> None:
        super().__init__(f"run {run_id} runs on host {host!r}; cancel it there")
        self.run_id = run_id


class RunTimeout(RunError, TimeoutError):
    def __init__(self, run_id: int, seconds: float, status: str) -> None:
        super().__init__(f"run {run_id} still {status} after {seconds:.0f}s")
        self.run_id = run_id


@dataclass(frozen=True)
class RunInfo:
    """A detached snapshot of a run, safe to use after its session closed."""

    id: int
    campaign_id: int
    campaign: str
    status: RunStatus
    trigger: str
    started_at: Any
    finished_at: Any
    pid: int | None
    host: str | None
    stats: dict[str, Any]
    log_path: str | None
    error: str | None

    @classmethod
    def of(cls, run: CampaignRun, campaign_name: str) -> RunInfo:
        return cls(
            id=run.id,
            campaign_id=run.campaign_id,
            campaign=campaign_name,
            status=RunStatus(run.status),
            trigger=run.trigger,
            started_at=run.started_at,
            finished_at=run.finished_at,
            pid=run.pid,
            host=run.host,
            stats=dict(run.stats or {}),
            log_path=run.log_path,
            error=run.error,
        )


# -- database access ------------------------------------------------------------------------------


_engines: dict[str, Engine] = {}

_engines_lock = threading.Lock()


def engine_for(settings: CampaignSettings) -> Engine:
    """One engine per database URL per process, shared by the scheduler's jobs and threads."""
    url = settings.resolved_database_url
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = make_engine(url)
        return engine


def dispose_engines() -> None:
    """Close every pooled connection (tests drop their databases afterwards).

    Callers that may still have runs being finalized use
    :func:`campaigns.supervisor.dispose_engines`, which waits for them first.
    """
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def sessions(settings: CampaignSettings) -> sessionmaker[Session]:
    return make_sessionmaker(engine_for(settings))


@contextmanager
def unit_of_work(settings: CampaignSettings) -> Iterator[Session]:
    """One unit of work on the settings' database (``store.db.session_scope``)."""
    with session_scope(sessions(settings)) as session:
        yield session


def lock_campaign(session: Session, campaign_id: int) -> None:
    """Write to the campaign row first: a row lock on PostgreSQL, the write lock on SQLite."""
    session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id)
        .values(id=Campaign.id, updated_at=Campaign.updated_at),  # a lock, not an edit
        execution_options={"synchronize_session": False},
    )


def _lock_run(session: Session, run_id: int) -> None:
    session.execute(
        update(CampaignRun).where(CampaignRun.id == run_id).values(id=CampaignRun.id),
        execution_options={"synchronize_session": False},
    )


def resolve_campaign(session: Session, campaign: int | str) -> Campaign:
    """A campaign by id or by name."""
    found: Campaign | None
    if isinstance(campaign, int) or (isinstance(campaign, str) and campaign.isdigit()):
        found = session.get(Campaign, int(campaign))
    else:
        found = session.scalar(select(Campaign).where(Campaign.name == campaign))
    if found is None:
        raise CampaignNotFound(campaign)
    return found


def get_run(settings: CampaignSettings, run_id: int) -> RunInfo:
    with unit_of_work(settings) as session:
        run = session.get(CampaignRun, run_id)
        if run is None:
            raise RunNotFound(run_id)
        return RunInfo.of(run, run.campaign.name)


def list_runs(
    settings: CampaignSettings, campaign: int | str | None = None, limit: int = 20
) -> list[RunInfo]:
    """The newest runs first, of one campaign or of all."""
    with unit_of_work(settings) as session:
        query = select(CampaignRun).order_by(CampaignRun.id.desc()).limit(limit)
        if campaign is not None:
            query = query.where(CampaignRun.campaign_id == resolve_campaign(session, campaign).id)
        return [RunInfo.of(run, run.campaign.name) for run in session.scalars(query)]


# -- where a run keeps its files ------------------------------------------------------------------


def this_host() -> str:
    return socket.gethostname()


def logs_dir(settings: CampaignSettings) -> Path:
    return settings.data_dir / "logs"


def jobdir_for(settings: CampaignSettings, campaign_id: int) -> Path:
    """Scrapy's JOBDIR for the campaign: present only while an interrupted run waits to resume.

    A run stopped by a shutdown, or killed by a signal (its frontier is written
    as it goes, see :mod:`crawler.frontier`), leaves it behind and the
    campaign's next run continues from it; any other ending removes it, so a
    normal run starts fresh (a kept seen set would filter every known URL).
    """
    return (settings.data_dir / "jobs" / f"campaign-{campaign_id}").resolve()


def discard_jobdir(path: Path) -> None:
    if path.exists():
        shutil.rmtree(path, ignore_errors=True)


def killed_with_frontier(returncode: int | None, jobdir: Path) -> bool:
    """A crawl killed by a signal (SIGKILL, OOM killer) whose durable frontier can be resumed."""
    from crawler import FRONTIER_FILE

    killed = returncode is None or returncode < 0
    return killed and any(jobdir.glob(f"*/{FRONTIER_FILE}"))


def tail(path: str | Path | None, size: int = LOG_TAIL_BYTES) -> str:
    if not path:
        return ""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - size))
            return fh.read().decode("utf-8", "replace")
    except OSError:
        return ""


# -- the state machine ----------------------------------------------------------------------------


def finish(
    settings: CampaignSettings,
    run_id: int,
    status: RunStatus,
    detail: str,
    *,
    only_active: bool = True,
) -> RunStatus:
    """Set a terminal status unless the crawl already set one; return the run's final status."""
    with unit_of_work(settings) as session:
        _lock_run(session, run_id)
        run = session.get(CampaignRun, run_id, populate_existing=True)
        if run is None:
            raise RunNotFound(run_id)
        if only_active and run.status not in ACTIVE:
            return RunStatus(run.status)
        run.status = status
        run.finished_at = utcnow()
        log_tail = tail(run.log_path)
        if status is RunStatus.failed:
            run.error = (
                f"{detail}\n--- last lines of {run.log_path} ---\n{log_tail}"
                if log_tail
                else detail
            )
            log.warning("run %s failed: %s", run_id, detail)
        else:
            run.error = detail
        return status


@dataclass(frozen=True)
class ClaimedRun:
    """The run a crawl process carries out, as it claimed it."""

    run_id: int
    log_path: Path
    log_to_file: bool
    """True when no launcher gave the run a log file: the crawl writes its own."""


@dataclass(frozen=True)
class Conclusion:
    """What a crawl worker's end made of the run."""

    status: RunStatus
    error: str | None
    last: bool
    """The last worker out decides the run; the others leave its status alone."""


def claim_run(
    session: Session,
    campaign: Campaign,
    run_id: int | None,
    *,
    host: str,
    obey_robots: bool,
    logs: Path,
) -> ClaimedRun:
    """Mark the run running for one more crawl worker (a new manual run when ``run_id`` is None).

    Raises :class:`RunError` when the run does not exist, belongs to another
    campaign or has already ended.
    """
    run = session.get(CampaignRun, run_id) if run_id is not None else None
    if run_id is not None and run is None:
        raise RunError(f"no run {run_id}")
    if run is None:
        run = CampaignRun(campaign_id=campaign.id, trigger="manual", host=host)
        session.add(run)
    elif run.campaign_id != campaign.id:
        raise RunError(f"run {run.id} belongs to another campaign")
    elif run.status in {RunStatus.succeeded, RunStatus.failed, RunStatus.cancelled}:
        raise RunError(f"run {run.id} is already {run.status.value}")
    run.status = RunStatus.running
    run.started_at = run.started_at or utcnow()
    run.pid = run.pid or os.getpid()
    run.robots_override = not obey_robots
    session.flush()
    log_to_file = run.log_path is None
    if log_to_file:
        run.log_path = str((logs / f"run-{run.id}.log").resolve())
    active = dict(run.stats or {})
    active["workers_active"] = int(active.get("workers_active", 0)) + 1
    run.stats = active
    return ClaimedRun(run.id, Path(str(run.log_path)), log_to_file)


def why_nothing(result: RunResult) -> str:
    reasons = []
    for key, value in sorted(result.stats.items()):
        if key.startswith("downloader/exception_type_count/") or key.startswith(
            "downloader/response_status_count/"
        ):
            reasons.append(f"{key.rsplit('/', 1)[-1]} x{value}")
    for key in ("lantian/blocked_private", "robotstxt/forbidden"):
        if result.stats.get(key):
            reasons.append(f"{key} x{result.stats[key]}")
    return ", ".join(reasons) or "no request got a response"


def merge_worker_stats(existing: dict[str, Any], worker: str, result: RunResult) -> dict[str, Any]:
    workers = dict(existing.get("workers", {}))
    workers[worker] = {
        "totals": result.stats,
        "seconds": round(result.seconds, 3),
        "peak_rss_kb": result.peak_rss_kb,
        "classify_worker_peak_rss_kb": result.worker_peak_rss_kb,
        "platforms": result.per_platform,
    }
    totals: dict[str, Any] = {}
    for w in workers.values():
        for key, value in w["totals"].items():
            if isinstance(value, int | float):
                totals[key] = totals.get(key, 0) + value
    return {**totals, "workers": workers}


def conclude_run(session: Session, run_id: int, worker: str, result: RunResult) -> Conclusion:
    """Merge one crawl worker's stats into the run; the last worker out sets its final status."""
    reasons = set(result.finish_reasons.values())
    run = session.get(CampaignRun, run_id)
    if run is None:
        raise RunNotFound(run_id)
    stats = merge_worker_stats(run.stats or {}, worker, result)
    stats["workers_active"] = max(0, int((run.stats or {}).get("workers_active", 1)) - 1)
    stats["finish_reasons"] = result.finish_reasons
    run.stats = stats
    # Workers sharing a Redis frontier share the run: the last one out decides it.
    last = stats["workers_active"] == 0
    run_pages = int(stats.get("lantian/pages", 0))
    error: str | None
    # a run stopped before its first response was cancelled, not a failure to fetch
    if reasons and reasons <= {"shutdown", "cancelled"}:
        status, error = RunStatus.cancelled, "stopped by a signal"
    elif run_pages == 0:
        status, error = RunStatus.failed, f"nothing could be fetched: {why_nothing(result)}"
    else:
        status, error = RunStatus.succeeded, None
    if last:
        run.status = status if run.status is RunStatus.running else run.status
        run.finished_at = utcnow()
        run.error = error
    else:
        status = run.status
    return Conclusion(status, error, last)
