"""Campaign runs: the names callers use, from the run record, the supervisor and the reaper.

* :mod:`campaigns.record`: the row, its errors and its state machine (every status change);
* :mod:`campaigns.supervisor`: launching, watching, cancelling and stopping crawl processes;
* :mod:`campaigns.reaper`: failing runs whose crawl died unseen, and waiting for a run.
"""

from __future__ import annotations

from campaigns.reaper import reap_stale_runs, wait_run
from campaigns.record import (
    ACTIVE,
    FINISHED,
    LOG_TAIL_BYTES,
    NEVER_LAUNCHED_AFTER,
    CampaignNotFound,
    RunAlreadyActive,
    RunError,
    RunInfo,
    RunNotActive,
    RunNotFound,
    RunOnOtherHost,
    RunTimeout,
    engine_for,
    get_run,
    jobdir_for,
    list_runs,
    logs_dir,
    resolve_campaign,
    sessions,
    tail,
    this_host,
    unit_of_work,
)
from campaigns.supervisor import (
    active_children,
    cancel_run,
    child_environment,
    crawl_command,
    dispose_engines,
    finalize_run,
    join_watchers,
    process_alive,
    shutdown_children,
    start_run,
)

__all__ = [
    "ACTIVE",
    "FINISHED",
    "LOG_TAIL_BYTES",
    "NEVER_LAUNCHED_AFTER",
    "CampaignNotFound",
    "RunAlreadyActive",
    "RunError",
    "RunInfo",
    "RunNotActive",
    "RunNotFound",
    "RunOnOtherHost",
    "RunTimeout",
    "active_children",
    "cancel_run",
    "child_environment",
    "crawl_command",
    "dispose_engines",
    "engine_for",
    "finalize_run",
    "get_run",
    "jobdir_for",
    "join_watchers",
    "list_runs",
    "logs_dir",
    "process_alive",
    "reap_stale_runs",
    "resolve_campaign",
    "sessions",
    "shutdown_children",
    "start_run",
    "tail",
    "this_host",
    "unit_of_work",
    "wait_run",
]
