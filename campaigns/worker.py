"""A crawler worker: joins running campaign runs so several machines split one crawl.

With ``LANTIAN_REDIS_URL`` set, a run's frontier (request queue and seen-set)
lives in Redis under the run's namespace, so any number of
``lantian crawl <campaign> --run-id N`` processes can work on it; the run
ends when the last of them finishes.  The scheduler starts the first process;
each worker polls the database for running runs it has not joined yet and
starts one more crawl process for each, one at a time.

Without Redis a second process would crawl everything again, so the worker
refuses to start.
"""

from __future__ import annotations

import logging
import subprocess
import threading
from pathlib import Path

from sqlalchemy import select

from campaigns.config import CampaignSettings
from store import Campaign, CampaignRun, RunStatus

log = logging.getLogger(__name__)


class WorkerError(RuntimeError):
    """The worker cannot run with this configuration."""


def joinable_runs(settings: CampaignSettings, joined: set[int]) -> list[tuple[int, str]]:
    """(run id, campaign name) of running runs this worker has not joined, oldest first."""
    from campaigns.record import unit_of_work

    with unit_of_work(settings) as session:
        rows = session.execute(
            select(CampaignRun.id, Campaign.name)
            .join(Campaign, Campaign.id == CampaignRun.campaign_id)
            .where(CampaignRun.status == RunStatus.running)
            .order_by(CampaignRun.id)
        ).all()
    return [(run_id, name) for run_id, name in rows if run_id not in joined]


def run_worker(settings: CampaignSettings, stop: threading.Event, poll_s: float = 5.0) -> int:
    """Join running runs until ``stop`` is set; return how many crawls this worker ran."""
    from campaigns.record import logs_dir
    from campaigns.supervisor import child_environment, crawl_command

    if not settings.redis_url:
        raise WorkerError(
            "a crawler worker needs LANTIAN_REDIS_URL: without a shared frontier it would "
            "crawl the whole campaign again"
        )
    joined: set[int] = set()
    crawls = 0
    while not stop.is_set():
        for run_id, campaign in joinable_runs(settings, joined):
            if stop.is_set():
                break
            joined.add(run_id)
            log_path = Path(logs_dir(settings)) / f"run-{run_id}-worker.log"
            log_path.parent.mkdir(parents=True, exist_ok=True)
            log.info("joining run %s of campaign %r; log: %s", run_id, campaign, log_path)
            with open(log_path, "ab") as log_file:
                proc = subprocess.Popen(
                    crawl_command(campaign, run_id),
                    stdin=subprocess.DEVNULL,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                    env=child_environment(settings),
                    start_new_session=True,
                )
            while proc.poll() is None:
                if stop.wait(1.0):
                    log.info("stopping: asking the crawl of run %s to checkpoint", run_id)
                    proc.terminate()
                    proc.wait()
            crawls += 1
            log.info("left run %s (exit %s)", run_id, proc.returncode)
        stop.wait(poll_s)
    return crawls
