"""Run one campaign in this process: one Scrapy crawler per platform, one reactor.

Twisted's reactor cannot restart, so a process runs one campaign once; the
scheduler, the API and the tests start ``lantian crawl`` as a subprocess.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings as ScrapySettings

from crawler.loglevel import crawl_log_level
from crawler.memory import freeze_setup, peak_rss_kb, thaw_setup
from crawler.settings import BASE, crawl_settings
from spiders import Profile, spider_for

logger = logging.getLogger(__name__)

#: Stats shown live and summed across platforms.
PROGRESS_KEYS = {
    "pages": "lantian/pages",
    "items": "item_scraped_count",
    "flagged": "lantian/flagged",
    "stored": "lantian/stored",
    "errors": "log_count/ERROR",
}


class CrawlLimits(Protocol):
    """How far a crawl goes (``campaigns.specs.Limits`` is one)."""

    @property
    def depth(self) -> int: ...
    @property
    def pages(self) -> int: ...
    @property
    def reply_pages(self) -> int: ...
    @property
    def max_seconds(self) -> int: ...
    @property
    def max_requests(self) -> int: ...


class CrawlPlan(Protocol):
    """What one crawl runs: the crawler reads these fields of a campaign
    (``campaigns.specs.CampaignSpec`` is one) and knows nothing else of campaigns."""

    @property
    def name(self) -> str: ...
    @property
    def keywords(self) -> list[str]: ...
    @property
    def obey_robots(self) -> bool: ...
    @property
    def limits(self) -> CrawlLimits: ...


class NothingFetched(RuntimeError):
    """The crawl got no page at all from any platform."""


@dataclass
class RunOptions:
    database_url: str
    run_id: int | None = None
    campaign_id: int | None = None
    allow_private: bool = False
    capture: bool = False
    evidence: dict[str, Any] = field(default_factory=dict)
    jobdir: Path | None = None
    redis_url: str | None = None
    redis_key_prefix: str = "lantian"
    """The frontier's keys are ``{prefix}:{campaign}:{run}:...``: deployments (or test runs)
    sharing one Redis keep apart by prefix."""
    chromium_path: str | None = None
    log_file: Path | None = None
    log_level: str = "INFO"
    rules_dir: Path | None = None
    classify_threshold: float = 0.5
    overrides: dict[str, Any] = field(default_factory=dict)


@dataclass
class RunResult:
    stats: dict[str, Any]
    per_platform: dict[str, dict[str, Any]]
    seconds: float
    peak_rss_kb: int
    worker_peak_rss_kb: int = 0
    """the classification worker's peak (a process of its own, not in ``peak_rss_kb``)"""

    def total(self, name: str) -> int:
        return int(self.stats.get(PROGRESS_KEYS.get(name, name), 0) or 0)

    @property
    def finish_reasons(self) -> dict[str, str]:
        return {k: str(v.get("finish_reason", "")) for k, v in self.per_platform.items()}


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)


def summarize(per_platform: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Numeric stats summed over platforms; the rest per platform only."""
    total: dict[str, Any] = {}
    for stats in per_platform.values():
        for key, value in stats.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                total[key] = total.get(key, 0) + value
    return total


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def build_crawlers(spec: CrawlPlan, profiles: list[Profile], options: RunOptions) -> list[Crawler]:
    crawlers: list[Crawler] = []
    namespace = f"{options.redis_key_prefix}:{spec.name}:{options.run_id or 'adhoc'}"
    for profile in profiles:
        settings = crawl_settings(
            profile,
            database_url=options.database_url,
            run_id=options.run_id,
            campaign_id=options.campaign_id,
            obey_robots=spec.obey_robots,
            allow_private=options.allow_private,
            capture=options.capture,
            evidence=options.evidence,
            max_seconds=spec.limits.max_seconds,
            max_requests=spec.limits.max_requests,
            jobdir=options.jobdir,
            redis_url=options.redis_url,
            redis_namespace=namespace,
            chromium_path=options.chromium_path,
            log_file=options.log_file,
            log_level=options.log_level,
            overrides=_overrides(options),
        )
        # The first crawler installs the reactor (asyncio, as scrapy-playwright needs).
        crawlers.append(Crawler(spider_for(profile), settings, init_reactor=not crawlers))
    return crawlers


def _overrides(options: RunOptions) -> dict[str, Any]:
    return {
        "LANTIAN_RULES_DIR": str(options.rules_dir) if options.rules_dir else None,
        "LANTIAN_CLASSIFY_THRESHOLD": options.classify_threshold,
        **options.overrides,
    }


@contextmanager
def classifier_started(options: RunOptions) -> Iterator[None]:
    """Start the classification worker now, before the crawl's set-up (migrations, campaign,
    crawlers), so its start-up (rules, jieba) overlaps that work instead of the first pages;
    ``run_campaign`` with options of the same rules, threshold, database and search index
    uses it and stops it.  Stopped on leaving if the crawl never ran."""
    from crawler.pipelines.classify import prestart

    settings = ScrapySettings()
    settings.setdict(BASE, priority="project")
    settings.setdict(
        {"LANTIAN_DATABASE_URL": options.database_url, **_overrides(options)}, priority="cmdline"
    )
    prestart(settings)
    try:
        yield
    finally:
        stop_classifier()


def stop_classifier() -> int:
    """Stop the classification workers (none left: 0); returns their peak memory in KiB."""
    from crawler.pipelines.classify import shutdown_executors

    return shutdown_executors()


def run_campaign(
    spec: CrawlPlan,
    profiles: list[Profile],
    options: RunOptions,
    on_tick: Callable[[dict[str, int], float], None] | None = None,
) -> RunResult:
    """Crawl every platform of ``spec`` at once; returns Scrapy's stats, summed and per platform."""
    process_settings = ScrapySettings()
    process_settings.setdict(BASE, priority="project")
    process_settings.set("LOG_LEVEL", options.log_level, priority="cmdline")
    if options.log_file is not None:
        options.log_file.parent.mkdir(parents=True, exist_ok=True)
        process_settings.set("LOG_FILE", str(options.log_file), priority="cmdline")
        process_settings.set("LOG_FILE_APPEND", True, priority="cmdline")
    process_settings.set("LOG_INSTALL_ROOT_HANDLER", True, priority="cmdline")
    # the DNS resolver is built from the process's settings, not a crawler's
    process_settings.set(
        "LANTIAN_ALLOW_PRIVATE_NETWORKS", options.allow_private, priority="cmdline"
    )
    process = CrawlerProcess(process_settings)
    crawlers = build_crawlers(spec, profiles, options)
    limits = spec.limits
    for crawler, profile in zip(crawlers, profiles, strict=True):
        process.crawl(
            crawler,
            profile=profile,
            keywords=spec.keywords,
            max_pages=limits.pages,
            max_hops=limits.depth,
            max_continuations=limits.reply_pages,
        )
    freeze_setup()
    started = time.monotonic()
    if on_tick is not None:
        from twisted.internet import task

        def tick() -> None:
            on_tick(live_totals(crawlers), time.monotonic() - started)

        ticker = task.LoopingCall(tick)
        ticker.start(0.5, now=True)
    try:
        with crawl_log_level(options.log_level):
            process.start(install_signal_handlers=True)
    finally:
        thaw_setup()
    seconds = time.monotonic() - started
    worker_peak = stop_classifier()
    per_platform = {
        profile.key: {
            k: _jsonable(v) for k, v in (crawler.stats.get_stats() if crawler.stats else {}).items()
        }
        for crawler, profile in zip(crawlers, profiles, strict=True)
    }
    if on_tick is not None:
        on_tick(live_totals(crawlers), seconds)
    return RunResult(summarize(per_platform), per_platform, seconds, peak_rss_kb(), worker_peak)


def live_totals(crawlers: list[Crawler]) -> dict[str, int]:
    out = dict.fromkeys(PROGRESS_KEYS, 0)
    for crawler in crawlers:
        if crawler.stats is None:
            continue
        for name, key in PROGRESS_KEYS.items():
            out[name] += int(crawler.stats.get_value(key, 0) or 0)
    return out
