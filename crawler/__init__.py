"""The Scrapy project: settings, pipelines, middlewares, extensions and the runner that crawls a
campaign in this process.

Public surface, loaded on first use so that importing ``crawler`` (the control plane does,
to start and resume crawls) never loads Scrapy, Twisted or Playwright: the names in
``__all__`` below, and ``crawler.bench`` (the crawl benchmark).  The rest is internal.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__public_modules__ = ("bench",)

if TYPE_CHECKING:
    from crawler.backpressure import DEFAULT_MAX_PENDING, default_capture_concurrency
    from crawler.frontier import FRONTIER_FILE
    from crawler.pipelines.store import StorePipeline
    from crawler.runner import (
        RunOptions,
        RunResult,
        classifier_started,
        run_campaign,
        worker_id,
    )

_LAZY = {
    "DEFAULT_MAX_PENDING": "crawler.backpressure",
    "default_capture_concurrency": "crawler.backpressure",
    "FRONTIER_FILE": "crawler.frontier",
    "StorePipeline": "crawler.pipelines.store",
    "RunOptions": "crawler.runner",
    "RunResult": "crawler.runner",
    "run_campaign": "crawler.runner",
    "classifier_started": "crawler.runner",
    "worker_id": "crawler.runner",
}


def __getattr__(name: str) -> Any:
    """The runner and the pipelines load Scrapy; nothing loads before it is used."""
    if name in _LAZY:
        module, _, attr = _LAZY[name].partition(":")
        return getattr(importlib.import_module(module), attr or name)
    raise AttributeError(f"module 'crawler' has no attribute {name!r}")


__all__ = [
    "DEFAULT_MAX_PENDING",
    "FRONTIER_FILE",
    "RunOptions",
    "RunResult",
    "StorePipeline",
    "default_capture_concurrency",
    "classifier_started",
    "run_campaign",
    "worker_id",
]
