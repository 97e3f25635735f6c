"""The reaper: runs whose crawl died without saying so are failed, and alerted.

The scheduler calls :func:`reap_stale_runs` every ``scheduler_reap_interval_s``;
:func:`wait_run` reaps too when the run it waits for lost its process.
"""

from __future__ import annotations

import contextlib
import logging
import time

from sqlalchemy import select

from campaigns.config import CampaignSettings
from campaigns.record import (
    ACTIVE,
    FINISHED,
    NEVER_LAUNCHED_AFTER,
    RunInfo,
    RunNotActive,
    RunTimeout,
    discard_jobdir,
    finish,
    get_run,
    jobdir_for,
    killed_with_frontier,
    this_host,
    unit_of_work,
)
from campaigns.supervisor import cancel_run, is_watched, process_alive
from store import CampaignRun, RunStatus, utcnow

log = logging.getLogger(__name__)


def reap_stale_runs(settings: CampaignSettings) -> list[int]:
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
        if is_watched(run_id):
            continue
        if pid is None:
            if started_at is not None and now - started_at < NEVER_LAUNCHED_AFTER:
                continue
            detail = "the crawl process was never started"
        elif process_alive(pid, run_id):
            continue
        else:
            detail = f"the crawl process (pid {pid}) is gone"
        if finish(settings, run_id, RunStatus.failed, detail) is RunStatus.failed:
            reaped.append(run_id)
            jobdir = jobdir_for(settings, campaign_id)
            if not killed_with_frontier(None, jobdir):  # gone unseen: resume if it can
                discard_jobdir(jobdir)
            try:
                from campaigns.alerts import send_run_digest

                send_run_digest(settings, run_id)
            except Exception:
                log.exception("alert for run %s failed", run_id)
    return reaped


def wait_run(
    settings: CampaignSettings, run_id: int, timeout: float | None = None, poll_s: float = 0.2
) -> RunInfo:
    """Block until the run is finished (succeeded, failed or cancelled); return it."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        info = get_run(settings, run_id)
        watched = is_watched(run_id)
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
