"""The campaign control plane: campaign specs, runs, their crawl processes, the scheduler,
workers, alerts and evidence re-verification.  It starts crawls as ``lantian crawl``
processes and imports no Scrapy itself; ``takedown`` stands beside it (the scheduler is
handed the takedown re-check), ``api`` and the shell above it.

Public surface (loaded on first use; the rest is internal):

- specs: ``CampaignSpec``, ``CampaignError``, ``load_campaign_file``, ``upsert_campaign``
- runs: ``start_run``, ``cancel_run``, ``wait_run``, ``get_run``, ``list_runs``,
  ``reap_stale_runs``, ``RunInfo`` and the ``RunError`` family (``campaigns.runs``)
- the run state machine: ``claim_run``, ``conclude_run`` (``campaigns.record``)
- scheduling: ``start_background_scheduler``, ``embedded_scheduler``, ``stop_scheduler``
- settings it reads: ``CampaignSettings`` (a protocol ``lantian.config.Settings`` meets)
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "CampaignSettings": "campaigns.config",
    "CampaignError": "campaigns.specs",
    "CampaignSpec": "campaigns.specs",
    "load_campaign_file": "campaigns.specs",
    "upsert_campaign": "campaigns.specs",
    "RunError": "campaigns.record",
    "RunInfo": "campaigns.record",
    "claim_run": "campaigns.record",
    "conclude_run": "campaigns.record",
    "get_run": "campaigns.record",
    "list_runs": "campaigns.record",
    "start_run": "campaigns.supervisor",
    "cancel_run": "campaigns.supervisor",
    "reap_stale_runs": "campaigns.reaper",
    "wait_run": "campaigns.reaper",
    "start_background_scheduler": "campaigns.scheduler",
    "embedded_scheduler": "campaigns.scheduler",
    "stop_scheduler": "campaigns.scheduler",
}


def __getattr__(name: str) -> Any:
    """Each part loads on first use (the scheduler pulls in APScheduler, alerts httpx)."""
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'campaigns' has no attribute {name!r}")


__all__ = sorted(_LAZY)
