"""Prometheus metrics: one registry, served by the API's ``/metrics`` and ``lantian scheduler``.

Crawls run in their own processes, so their counters cannot live in this
process's memory.  What a crawl did is read from the database at scrape time
(:class:`StoreCollector`: runs by status, pages, flags, capture failures,
review queue) and stays right whichever process serves it.  Counters of what
*this* process did (runs it started, alerts it sent, jobs it ran) are plain
prometheus_client metrics.

Use::

    from campaigns.metrics import REGISTRY, install_store_collector, render
    install_store_collector(settings)      # once, at start-up
    body, content_type = render()
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from campaigns.config import CampaignSettings

log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry(auto_describe=True)

RUNS_STARTED = Counter(
    "lantian_runs_started", "Campaign runs this process launched", ["trigger"], registry=REGISTRY
)
RUNS_FINISHED = Counter(
    "lantian_runs_finished", "Campaign runs this process saw finish", ["status"], registry=REGISTRY
)
ALERTS_SENT = Counter(
    "lantian_alerts",
    "Alert digests sent, by channel and outcome",
    ["channel", "outcome"],
    registry=REGISTRY,
)
SCHEDULER_JOB_RUNS = Counter(
    "lantian_scheduler_job_runs", "Scheduler job executions", ["job", "outcome"], registry=REGISTRY
)
SCHEDULER_JOBS = Gauge("lantian_scheduler_jobs", "Jobs the scheduler holds", registry=REGISTRY)

# Run stats keys, first present wins: Scrapy's own names, then ours.
PAGE_KEYS = ("lantian/pages", "response_received_count")
FLAG_KEYS = ("lantian/flagged",)
CAPTURE_FAILURE_KEYS = ("lantian/capture_failed",)


def _first(stats: dict[str, Any], keys: Iterable[str]) -> float:
    for key in keys:
        value = stats.get(key)
        if isinstance(value, int | float):
            return float(value)
    return 0.0


class StoreCollector(Collector):
    """Figures read from the system of record when Prometheus scrapes."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self._engine: Any = None
        self._engine_lock = threading.Lock()

    def _store_engine(self) -> Any:
        """The collector's own engine, made on the first scrape and disposed by :meth:`close`."""
        from store import make_engine

        with self._engine_lock:
            if self._engine is None:
                self._engine = make_engine(self.database_url)
            return self._engine

    def close(self) -> None:
        """Close the pooled connections (the owner calls this when it stops)."""
        with self._engine_lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None

    def collect(self) -> Iterator[Metric]:
        from sqlalchemy import func, select

        from store import CampaignRun, Listing, ListingStatus, RunStatus

        runs = GaugeMetricFamily("lantian_runs", "Campaign runs by status", labels=["status"])
        pages = CounterMetricFamily("lantian_pages_crawled", "Pages fetched by all runs")
        flags = CounterMetricFamily("lantian_flags", "Listings flagged by all runs")
        failures = CounterMetricFamily("lantian_capture_failures", "Evidence captures that failed")
        queue = GaugeMetricFamily(
            "lantian_review_queue_size", "Irregular listings waiting for a reviewer"
        )
        flagged_listings = GaugeMetricFamily(
            "lantian_listings_irregular", "Listings judged irregular"
        )
        try:
            with self._store_engine().connect() as conn:
                counts = dict(
                    conn.execute(
                        select(CampaignRun.status, func.count()).group_by(CampaignRun.status)
                    ).all()
                )
                totals = [0.0, 0.0, 0.0]
                for (stats,) in conn.execute(select(CampaignRun.stats)):
                    if isinstance(stats, dict):
                        totals[0] += _first(stats, PAGE_KEYS)
                        totals[1] += _first(stats, FLAG_KEYS)
                        totals[2] += _first(stats, CAPTURE_FAILURE_KEYS)
                waiting = conn.scalar(
                    select(func.count())
                    .select_from(Listing)
                    .where(
                        Listing.irregular.is_(True),
                        Listing.status.in_([ListingStatus.new, ListingStatus.flagged]),
                    )
                )
                irregular = conn.scalar(
                    select(func.count()).select_from(Listing).where(Listing.irregular.is_(True))
                )
        except Exception as exc:  # noqa: BLE001 - a scrape must not fail because the DB is down
            log.warning("metrics: database unavailable: %s", exc)
            return
        for status in RunStatus:
            runs.add_metric(
                [status.value], float(counts.get(status, counts.get(status.value)) or 0)
            )
        pages.add_metric([], totals[0])
        flags.add_metric([], totals[1])
        failures.add_metric([], totals[2])
        queue.add_metric([], float(waiting or 0))
        flagged_listings.add_metric([], float(irregular or 0))
        yield from (runs, pages, flags, failures, queue, flagged_listings)

    def describe(self) -> Iterator[Metric]:
        return iter(())


_lock = threading.Lock()
_installed: dict[str, StoreCollector] = {}


def install_store_collector(settings: CampaignSettings) -> StoreCollector:
    """Register the database-backed collector once per database URL (idempotent)."""
    url = settings.resolved_database_url
    with _lock:
        collector = _installed.get(url)
        if collector is None:
            collector = _installed[url] = StoreCollector(url)
            REGISTRY.register(collector)
        return collector


def uninstall_store_collectors() -> None:
    """Unregister the database-backed collectors and close their connections."""
    with _lock:
        for collector in _installed.values():
            REGISTRY.unregister(collector)
            collector.close()
        _installed.clear()


def render() -> tuple[bytes, str]:
    """The exposition body and its content type, for a ``/metrics`` endpoint."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
