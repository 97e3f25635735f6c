"""Launching, watching, cancelling and reaping campaign runs.

Every crawl runs in its own process (Twisted's reactor cannot restart) started
as ``python -m lantian crawl <campaign> --run-id N`` in a new session, so a
run can be cancelled by signalling its process group and a SIGTERM sent to the
scheduler does not reach it.  The ``lantian crawl`` process sets the run's
status (running, succeeded, failed) and stats; this module creates the row,
launches the process, and makes sure a run whose process dies without saying
so is marked failed with the tail of its log.

No two runs of one campaign overlap.  The guard lives in the database, so it
holds across processes (scheduler, API, CLI) on SQLite and PostgreSQL: the
transaction that inserts a run first writes to the campaign's row, which takes
the row lock on PostgreSQL and the database write lock on SQLite, and only
then checks for an active run.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker

from lantian.config import Settings
from store.db import make_engine, make_sessionmaker
from store.models import Campaign, CampaignRun, RunStatus, utcnow

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


# -- database access ---------------------------------------------------------------------------

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def engine_for(settings: Settings) -> Engine:
    """One engine per database URL per process, shared by the scheduler's jobs and threads."""
    url = settings.resolved_database_url
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = make_engine(url)
        return engine


def dispose_engines() -> None:
    """Close every pooled connection (tests drop their databases afterwards).

    Waits for the threads finalizing this process's runs first: they hold connections.
    """
    join_watchers(30.0)
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def sessions(settings: Settings) -> sessionmaker[Session]:
    return make_sessionmaker(engine_for(settings))


@contextmanager
def unit_of_work(settings: Settings) -> Iterator[Session]:
    session = sessions(settings)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _lock_campaign(session: Session, campaign_id: int) -> None:
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


def get_run(settings: Settings, run_id: int) -> RunInfo:
    with unit_of_work(settings) as session:
        run = session.get(CampaignRun, run_id)
        if run is None:
            raise RunNotFound(run_id)
        return RunInfo.of(run, run.campaign.name)


def list_runs(
    settings: Settings, campaign: int | str | None = None, limit: int = 20
) -> list[RunInfo]:
    """The newest runs first, of one campaign or of all."""
    with unit_of_work(settings) as session:
        query = select(CampaignRun).order_by(CampaignRun.id.desc()).limit(limit)
        if campaign is not None:
            query = query.where(CampaignRun.campaign_id == resolve_campaign(session, campaign).id)
        return [RunInfo.of(run, run.campaign.name) for run in session.scalars(query)]


# -- processes ---------------------------------------------------------------------------------

_children: dict[int, subprocess.Popen[bytes]] = {}
"""Crawl processes this process launched and still watches, by run id."""
_children_lock = threading.Lock()
_cancelled: set[int] = set()
_checkpointing: set[int] = set()
"""Runs asked to stop by a shutdown: their JOBDIR is kept so the next run resumes."""


def this_host() -> str:
    return socket.gethostname()


def logs_dir(settings: Settings) -> Path:
    return settings.data_dir / "logs"


def jobdir_for(settings: Settings, campaign_id: int) -> Path:
    """Scrapy's JOBDIR for the campaign: present only while an interrupted run waits to resume.

    A run stopped by a shutdown, or killed by a signal (its frontier is written
    as it goes, see :mod:`crawler.frontier`), leaves it behind and the
    campaign's next run continues from it; any other ending removes it, so a
    normal run starts fresh (a kept seen set would filter every known URL).
    """
    return (settings.data_dir / "jobs" / f"campaign-{campaign_id}").resolve()


def _discard_jobdir(path: Path) -> None:
    if path.exists():
        shutil.rmtree(path, ignore_errors=True)


def _killed_with_frontier(returncode: int | None, jobdir: Path) -> bool:
    """A crawl killed by a signal (SIGKILL, OOM killer) whose durable frontier can be resumed."""
    from crawler.frontier import FRONTIER_FILE

    killed = returncode is None or returncode < 0
    return killed and any(jobdir.glob(f"*/{FRONTIER_FILE}"))


def crawl_command(campaign_name: str, run_id: int, crawl_args: Sequence[str] = ()) -> list[str]:
    return [
        sys.executable,
        "-m",
        "lantian",
        "crawl",
        campaign_name,
        "--run-id",
        str(run_id),
        *crawl_args,
    ]


def child_environment(settings: Settings) -> dict[str, str]:
    """The parent's environment plus its effective settings, so the crawl sees the same configuration."""
    import json

    env = dict(os.environ)
    for name, value in settings.model_dump(mode="json").items():
        if value is None:
            continue
        if hasattr(getattr(settings, name), "get_secret_value"):
            value = getattr(settings, name).get_secret_value()
        env[f"LANTIAN_{name.upper()}"] = (
            json.dumps(value)
            if isinstance(value, list | dict)
            else str(value).lower()
            if isinstance(value, bool)
            else str(value)
        )
    env["LANTIAN_DATABASE_URL"] = settings.resolved_database_url
    env["LANTIAN_DATA_DIR"] = str(settings.data_dir.resolve())
    env["PYTHONUNBUFFERED"] = "1"
    return env


def process_alive(pid: int, run_id: int | None = None) -> bool:
    """Whether ``pid`` is a live (not zombie) process, and, when /proc tells, the crawl of ``run_id``."""
    proc = Path("/proc") / str(pid)
    if proc.is_dir():
        try:
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
        except (OSError, IndexError):
            return False
        if state in {"Z", "X"}:
            return False
        # a reused pid belongs to another process: the crawl's command line names its run
        return run_id is None or str(run_id).encode() in cmdline
    if Path("/proc/self").is_dir():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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


def start_run(
    settings: Settings,
    campaign_id: int | str,
    trigger: str = "manual",
    *,
    crawl_args: Sequence[str] = (),
) -> int:
    """Create a queued run of the campaign and launch its crawl process; return the run id.

    Raises RunAlreadyActive when a run of the campaign is queued or running
    (on any host), CampaignNotFound for an unknown campaign.
    """
    with unit_of_work(settings) as session:
        campaign = resolve_campaign(session, campaign_id)
        _lock_campaign(session, campaign.id)
        active = session.scalar(
            select(CampaignRun)
            .where(CampaignRun.campaign_id == campaign.id, CampaignRun.status.in_(ACTIVE))
            .order_by(CampaignRun.id)
            .limit(1)
        )
        if active is not None:
            raise RunAlreadyActive(campaign.name, active.id, str(active.status))
        run = CampaignRun(
            campaign_id=campaign.id,
            status=RunStatus.queued,
            trigger=trigger,
            started_at=utcnow(),
            host=this_host(),
        )
        session.add(run)
        session.flush()
        run_id, campaign_name, campaign_pk = run.id, campaign.name, campaign.id
        log_path = logs_dir(settings) / f"run-{run_id}.log"
        run.log_path = str(log_path.resolve())

    log_path.parent.mkdir(parents=True, exist_ok=True)
    jobdir = jobdir_for(settings, campaign_pk)
    resuming = jobdir.exists()
    command = crawl_command(campaign_name, run_id, [*crawl_args, "--jobdir", str(jobdir)])
    try:
        with open(log_path, "ab") as log_file:
            if resuming:
                log_file.write(f"resuming the interrupted crawl saved in {jobdir}\n".encode())
            log_file.write(f"$ {' '.join(command)}\n".encode())
            log_file.flush()
            proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                env=child_environment(settings),
                start_new_session=True,
            )
    except OSError as exc:
        _finish(settings, run_id, RunStatus.failed, f"could not start the crawl: {exc}")
        raise RunError(f"run {run_id}: could not start the crawl: {exc}") from exc

    with unit_of_work(settings) as session:
        session.execute(update(CampaignRun).where(CampaignRun.id == run_id).values(pid=proc.pid))
    with _children_lock:
        _children[run_id] = proc
    threading.Thread(
        target=_watch,
        args=(settings, run_id, proc, jobdir),
        name=f"lantian-run-{run_id}",
        daemon=True,
    ).start()
    log.info(
        "started run %s of campaign %r (pid %s, trigger %s)",
        run_id,
        campaign_name,
        proc.pid,
        trigger,
    )
    _count_started(trigger)
    return run_id


def _count_started(trigger: str) -> None:
    from lantian.metrics import RUNS_STARTED

    RUNS_STARTED.labels(trigger=trigger).inc()


def _watch(settings: Settings, run_id: int, proc: subprocess.Popen[bytes], jobdir: Path) -> None:
    """Wait for the crawl to exit, then make sure its run is finished and alerted."""
    code = proc.wait()
    try:
        status = finalize_run(settings, run_id, code)
        if status is RunStatus.cancelled and run_id in _checkpointing:
            log.info(
                "run %s checkpointed in %s; the campaign's next run resumes it", run_id, jobdir
            )
        elif _killed_with_frontier(code, jobdir):
            log.warning(
                "run %s was killed (exit %s); the campaign's next run resumes its frontier in %s",
                run_id,
                code,
                jobdir,
            )
        else:
            _discard_jobdir(jobdir)
    except Exception:
        log.exception("could not finalize run %s", run_id)
    finally:
        with _children_lock:
            _children.pop(run_id, None)


def finalize_run(settings: Settings, run_id: int, returncode: int | None) -> RunStatus:
    """After the crawl process ended: a run still active is failed (or cancelled); send its alert."""
    if run_id in _cancelled:
        status = _finish(settings, run_id, RunStatus.cancelled, "cancelled", only_active=False)
    elif run_id in _checkpointing:
        status = _finish(settings, run_id, RunStatus.cancelled, "stopped by a shutdown")
    else:
        detail = (
            f"crawl process exited with code {returncode}"
            if returncode is not None
            else ("crawl process is gone")
        )
        status = _finish(settings, run_id, RunStatus.failed, detail)
    from lantian.metrics import RUNS_FINISHED

    RUNS_FINISHED.labels(status=str(status)).inc()
    try:
        from crawler.alerts import send_run_digest

        send_run_digest(settings, run_id)
    except Exception:
        log.exception("alert for run %s failed", run_id)
    return status


def _finish(
    settings: Settings, run_id: int, status: RunStatus, detail: str, *, only_active: bool = True
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


def cancel_run(settings: Settings, run_id: int, *, grace_s: float = 10.0) -> RunInfo:
    """Stop a queued or running run: SIGTERM to its crawl, SIGKILL to its process group after ``grace_s``.

    A run whose crawl runs on another host is marked ``cancel_requested``; that
    host's scheduler stops it at its next reaping (``scheduler_reap_interval_s``),
    and the run returned is still active.
    """
    info = get_run(settings, run_id)
    if info.status not in ACTIVE:
        raise RunNotActive(run_id, str(info.status))
    if info.host and info.host != this_host() and info.pid is not None:
        with unit_of_work(settings) as session:
            session.execute(
                update(CampaignRun).where(CampaignRun.id == run_id).values(cancel_requested=True)
            )
        log.info("run %s runs on %s: cancel requested there", run_id, info.host)
        return get_run(settings, run_id)
    _cancelled.add(run_id)
    if info.pid is not None and process_alive(info.pid, run_id):
        # SIGTERM to the crawl itself (Scrapy stops gracefully and closes its helpers);
        # SIGKILL to its whole group if it does not stop, and to whatever it left behind.
        with contextlib.suppress(ProcessLookupError):
            os.kill(info.pid, signal.SIGTERM)
        if not _wait_exit(run_id, info.pid, grace_s):
            _signal_group(info.pid, signal.SIGKILL)
            _wait_exit(run_id, info.pid, 5.0)
        _signal_group(info.pid, signal.SIGKILL)
    watcher = next((t for t in threading.enumerate() if t.name == f"lantian-run-{run_id}"), None)
    if watcher is not None:
        watcher.join(30)
    _finish(settings, run_id, RunStatus.cancelled, "cancelled", only_active=False)
    log.info("cancelled run %s", run_id)
    return get_run(settings, run_id)


def join_watchers(timeout: float) -> None:
    """Wait until the threads watching this process's crawls have finished their runs."""
    deadline = time.monotonic() + timeout
    for thread in threading.enumerate():
        if thread.name.startswith("lantian-run-"):
            thread.join(max(0.0, deadline - time.monotonic()))


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass
    except PermissionError as exc:
        raise RunError(f"not allowed to signal process group {pid}: {exc}") from exc


def _wait_exit(run_id: int, pid: int, timeout: float) -> bool:
    with _children_lock:
        child = _children.get(run_id)
    if child is not None:
        try:
            child.wait(timeout)
            return True
        except subprocess.TimeoutExpired:
            return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process_alive(pid, run_id):
            return True
        time.sleep(0.1)
    return not process_alive(pid, run_id)


def reap_stale_runs(settings: Settings) -> list[int]:
    """Mark failed every active run on this host whose crawl process is gone; return their ids.

    First, runs on this host that another host asked to cancel are cancelled.

    A run that stayed queued without a process for two minutes is failed too
    (its launcher died between creating the row and starting the crawl).
    """
    now = utcnow()
    with unit_of_work(settings) as session:
        requested = list(
            session.scalars(
                select(CampaignRun.id).where(
                    CampaignRun.status.in_(ACTIVE),
                    CampaignRun.cancel_requested.is_(True),
                    CampaignRun.host == this_host(),
                )
            )
        )
    for run_id in requested:
        with contextlib.suppress(RunNotActive):
            cancel_run(settings, run_id)
    with unit_of_work(settings) as session:
        candidates = [
            (run.id, run.campaign_id, run.pid, run.started_at)
            for run in session.scalars(
                select(CampaignRun).where(
                    CampaignRun.status.in_(ACTIVE),
                    (CampaignRun.host == this_host()) | CampaignRun.host.is_(None),
                )
            )
        ]
    reaped: list[int] = []
    for run_id, campaign_id, pid, started_at in candidates:
        with _children_lock:
            watched = run_id in _children
        if watched:
            continue
        if pid is None:
            if started_at is not None and now - started_at < NEVER_LAUNCHED_AFTER:
                continue
            detail = "the crawl process was never started"
        elif process_alive(pid, run_id):
            continue
        else:
            detail = f"the crawl process (pid {pid}) is gone"
        if _finish(settings, run_id, RunStatus.failed, detail) is RunStatus.failed:
            reaped.append(run_id)
            jobdir = jobdir_for(settings, campaign_id)
            if not _killed_with_frontier(None, jobdir):  # gone unseen: resume if it can
                _discard_jobdir(jobdir)
            try:
                from crawler.alerts import send_run_digest

                send_run_digest(settings, run_id)
            except Exception:
                log.exception("alert for run %s failed", run_id)
    return reaped


def wait_run(
    settings: Settings, run_id: int, timeout: float | None = None, poll_s: float = 0.2
) -> RunInfo:
    """Block until the run is finished (succeeded, failed or cancelled); return it."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        info = get_run(settings, run_id)
        with _children_lock:
            watched = run_id in _children
        if info.status in FINISHED and not watched:
            return info
        if (
            info.status in ACTIVE
            and not watched
            and info.pid is not None
            and info.host == this_host()
            and not process_alive(info.pid, run_id)
        ):
            reap_stale_runs(settings)
            continue
        if deadline is not None and time.monotonic() > deadline:
            raise RunTimeout(run_id, timeout or 0.0, str(info.status))
        time.sleep(poll_s)


def active_children() -> dict[int, int]:
    """Run id -> pid of the crawls this process launched and that have not exited."""
    with _children_lock:
        return {run_id: proc.pid for run_id, proc in _children.items() if proc.poll() is None}


def shutdown_children(grace_s: float) -> None:
    """Let this process's running crawls finish for ``grace_s``, then SIGTERM them to checkpoint.

    Scrapy treats the first SIGTERM as a graceful stop: it finishes requests in
    flight and, with a JOBDIR, saves its frontier so the next run resumes.
    """
    deadline = time.monotonic() + grace_s
    with _children_lock:
        children = dict(_children)
    for run_id, proc in children.items():
        remaining = max(0.0, deadline - time.monotonic())
        try:
            proc.wait(remaining)
        except subprocess.TimeoutExpired:
            log.info(
                "run %s still running after %.0fs grace; asking it to checkpoint", run_id, grace_s
            )
            _checkpointing.add(run_id)
            # Only the crawl's main process: Scrapy stops gracefully and closes its own
            # helpers (a classifier process pool), which a group-wide SIGTERM would kill mid-item.
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
    for run_id, proc in children.items():
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            log.warning("run %s did not stop after SIGTERM; killing it", run_id)
            _signal_group(proc.pid, signal.SIGKILL)
            proc.wait()
        _signal_group(proc.pid, signal.SIGKILL)  # anything the crawl left behind in its group
    join_watchers(30.0)
