"""The campaign control plane: campaign specs, runs, their crawl processes, the scheduler,
workers, alerts and evidence re-verification.  It starts crawls as ``lantian crawl``
processes and imports no Scrapy itself; ``takedown`` stands beside it (the scheduler is
handed the takedown re-check), ``api`` and the shell above it.

Public surface: the names in ``__all__`` (loaded on first use), and ``campaigns.metrics``
(the Prometheus registry the API and the scheduler serve).  The rest is internal:

- specs: ``CampaignSpec``, ``CampaignError``, ``load_campaign_file``, ``upsert_campaign``,
  ``resolve_campaign`` (a spec by file, row or built-in name), validation
- runs: ``start_run``, ``cancel_run``, ``wait_run``, ``get_run``, ``list_runs``,
  ``find_campaign`` (a row by id or name), ``reap_stale_runs``, ``RunInfo`` and the
  ``RunError`` family; ``unit_of_work(settings)``: one session on the settings' database
- the run state machine: ``claim_run``, ``conclude_run``
- scheduling: ``start_background_scheduler``, ``embedded_scheduler``, ``stop_scheduler``,
  workers (``run_worker``)
- settings it reads: ``CampaignSettings`` (a protocol ``lantian.config.Settings`` meets)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__public_modules__ = ("metrics",)


if TYPE_CHECKING:
    from campaigns.config import CampaignSettings
    from campaigns.leader import SchedulerAlreadyRunning
    from campaigns.reaper import reap_stale_runs, wait_run
    from campaigns.record import (
        CampaignNotFound,
        ClaimedRun,
        RunAlreadyActive,
        RunError,
        RunInfo,
        RunNotActive,
        RunNotFound,
        RunOnOtherHost,
        RunTimeout,
        claim_run,
        conclude_run,
        engine_for,
        get_run,
        list_runs,
        unit_of_work,
    )
    from campaigns.record import resolve_campaign as find_campaign
    from campaigns.scheduler import (
        ScheduleError,
        embedded_scheduler,
        start_background_scheduler,
        stop_scheduler,
        stored_jobs,
        validate_schedule,
    )
    from campaigns.specs import (
        CampaignError,
        CampaignSpec,
        adjust_spec,
        builtin_campaigns,
        campaign_problems,
        load_campaign_file,
        resolve_campaign,
        spec_from_row,
        upsert_campaign,
        validate_campaign,
        validation_context,
    )
    from campaigns.supervisor import cancel_run, start_run
    from campaigns.worker import WorkerError, run_worker

_LAZY = {
    "CampaignSettings": "campaigns.config",
    "SchedulerAlreadyRunning": "campaigns.leader",
    "reap_stale_runs": "campaigns.reaper",
    "wait_run": "campaigns.reaper",
    "CampaignNotFound": "campaigns.record",
    "ClaimedRun": "campaigns.record",
    "RunAlreadyActive": "campaigns.record",
    "RunError": "campaigns.record",
    "RunInfo": "campaigns.record",
    "RunNotActive": "campaigns.record",
    "RunNotFound": "campaigns.record",
    "RunOnOtherHost": "campaigns.record",
    "RunTimeout": "campaigns.record",
    "claim_run": "campaigns.record",
    "conclude_run": "campaigns.record",
    "engine_for": "campaigns.record",
    "get_run": "campaigns.record",
    "list_runs": "campaigns.record",
    "unit_of_work": "campaigns.record",
    "find_campaign": "campaigns.record:resolve_campaign",
    "ScheduleError": "campaigns.scheduler",
    "embedded_scheduler": "campaigns.scheduler",
    "start_background_scheduler": "campaigns.scheduler",
    "stop_scheduler": "campaigns.scheduler",
    "stored_jobs": "campaigns.scheduler",
    "validate_schedule": "campaigns.scheduler",
    "CampaignError": "campaigns.specs",
    "CampaignSpec": "campaigns.specs",
    "adjust_spec": "campaigns.specs",
    "builtin_campaigns": "campaigns.specs",
    "campaign_problems": "campaigns.specs",
    "load_campaign_file": "campaigns.specs",
    "resolve_campaign": "campaigns.specs",
    "spec_from_row": "campaigns.specs",
    "upsert_campaign": "campaigns.specs",
    "validate_campaign": "campaigns.specs",
    "validation_context": "campaigns.specs",
    "cancel_run": "campaigns.supervisor",
    "start_run": "campaigns.supervisor",
    "WorkerError": "campaigns.worker",
    "run_worker": "campaigns.worker",
}


def __getattr__(name: str) -> Any:
    """Each part loads on first use (the scheduler pulls in APScheduler, alerts httpx)."""
    if name in _LAZY:
        module, _, attr = _LAZY[name].partition(":")
        return getattr(importlib.import_module(module), attr or name)
    raise AttributeError(f"module 'campaigns' has no attribute {name!r}")


__all__ = [
    "CampaignError",
    "CampaignNotFound",
    "CampaignSettings",
    "CampaignSpec",
    "ClaimedRun",
    "RunAlreadyActive",
    "RunError",
    "RunInfo",
    "RunNotActive",
    "RunNotFound",
    "RunOnOtherHost",
    "RunTimeout",
    "ScheduleError",
    "SchedulerAlreadyRunning",
    "WorkerError",
    "adjust_spec",
    "builtin_campaigns",
    "campaign_problems",
    "cancel_run",
    "claim_run",
    "conclude_run",
    "embedded_scheduler",
    "engine_for",
    "find_campaign",
    "get_run",
    "list_runs",
    "load_campaign_file",
    "reap_stale_runs",
    "resolve_campaign",
    "run_worker",
    "spec_from_row",
    "start_background_scheduler",
    "start_run",
    "stop_scheduler",
    "stored_jobs",
    "unit_of_work",
    "upsert_campaign",
    "validate_campaign",
    "validate_schedule",
    "validation_context",
    "wait_run",
]
