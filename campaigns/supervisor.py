"""The process supervisor: launch a run's crawl, watch it, cancel it, stop it on shutdown.

Every crawl runs in its own process (Twisted's reactor cannot restart) started
as ``python -m lantian crawl <campaign> --run-id N`` in a new session, so a
run can be cancelled by signalling its process group and a SIGTERM sent to the
scheduler does not reach it.  The ``lantian crawl`` process sets the run's
status (running, succeeded, failed) and stats (``campaigns.record``); this
module creates the row, launches the process, and when the process exits makes
sure its run is finished, with the tail of its log, and alerted.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select, update

from campaigns import record
from campaigns.config import CampaignSettings
from campaigns.record import (
    ACTIVE,
    RunAlreadyActive,
    RunError,
    RunInfo,
    RunNotActive,
    discard_jobdir,
    finish,
    get_run,
    jobdir_for,
    killed_with_frontier,
    lock_campaign,
    logs_dir,
    resolve_campaign,
    this_host,
    unit_of_work,
)
from store import CampaignRun, RunStatus, utcnow

log = logging.getLogger(__name__)

_children: dict[int, subprocess.Popen[bytes]] = {}
"""Crawl processes this process launched and still watches, by run id."""

_children_lock = threading.Lock()

_cancelled: set[int] = set()

_checkpointing: set[int] = set()
"""Runs asked to stop by a shutdown: their JOBDIR is kept so the next run resumes."""


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


def child_environment(settings: CampaignSettings) -> dict[str, str]:
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


def start_run(
    settings: CampaignSettings,
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
        lock_campaign(session, campaign.id)
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
        finish(settings, run_id, RunStatus.failed, f"could not start the crawl: {exc}")
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
    from campaigns.metrics import RUNS_STARTED

    RUNS_STARTED.labels(trigger=trigger).inc()


def _watch(
    settings: CampaignSettings, run_id: int, proc: subprocess.Popen[bytes], jobdir: Path
) -> None:
    """Wait for the crawl to exit, then make sure its run is finished and alerted."""
    code = proc.wait()
    try:
        status = finalize_run(settings, run_id, code)
        if status is RunStatus.cancelled and run_id in _checkpointing:
            log.info(
                "run %s checkpointed in %s; the campaign's next run resumes it", run_id, jobdir
            )
        elif killed_with_frontier(code, jobdir):
            log.warning(
                "run %s was killed (exit %s); the campaign's next run resumes its frontier in %s",
                run_id,
                code,
                jobdir,
            )
        else:
            discard_jobdir(jobdir)
    except Exception:
        log.exception("could not finalize run %s", run_id)
    finally:
        with _children_lock:
            _children.pop(run_id, None)


def finalize_run(settings: CampaignSettings, run_id: int, returncode: int | None) -> RunStatus:
    """After the crawl process ended: a run still active is failed (or cancelled); send its alert."""
    if run_id in _cancelled:
        status = finish(settings, run_id, RunStatus.cancelled, "cancelled", only_active=False)
    elif run_id in _checkpointing:
        status = finish(settings, run_id, RunStatus.cancelled, "stopped by a shutdown")
    else:
        detail = (
            f"crawl process exited with code {returncode}"
            if returncode is not None
            else ("crawl process is gone")
        )
        status = finish(settings, run_id, RunStatus.failed, detail)
    from campaigns.metrics import RUNS_FINISHED

    RUNS_FINISHED.labels(status=str(status)).inc()
    try:
        from campaigns.alerts import send_run_digest

        send_run_digest(settings, run_id)
    except Exception:
        log.exception("alert for run %s failed", run_id)
    return status


def cancel_run(settings: CampaignSettings, run_id: int, *, grace_s: float = 10.0) -> RunInfo:
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
    finish(settings, run_id, RunStatus.cancelled, "cancelled", only_active=False)
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


def is_watched(run_id: int) -> bool:
    """Whether this process launched the run's crawl and still watches it."""
    with _children_lock:
        return run_id in _children


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


def dispose_engines() -> None:
    """Close every pooled connection (tests drop their databases afterwards).

    Waits for the threads finalizing this process's runs first: they hold connections.
    """
    join_watchers(30.0)
    record.dispose_engines()
