"""Scrapy settings: the project's defaults, then a profile's, then a run's.

``BASE`` holds what every Lantian crawl shares; :func:`crawl_settings` layers a
site profile (rate, encoding, rendering) and the run (database, robots, limits,
JOBDIR, Redis) on top with Scrapy's priorities, so nothing needs code edits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy.settings import Settings

from evidence import CHROMIUM_ARGS
from spiders import Profile

BOT_NAME = "lantian"
USER_AGENT = "Mozilla/5.0 (compatible; LantianBot/0.1; +https://github.com/lantian-ip/lantian)"

DOWNLOADER_MIDDLEWARES: dict[str, int | None] = {
    "crawler.middlewares.replay.ReplayMiddleware": 10,
    "crawler.middlewares.ssrf.PrivateNetworkGuard": 50,
    "crawler.middlewares.session.ProfileSessionMiddleware": 560,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.retry.BackoffRetryMiddleware": 550,
    "crawler.middlewares.guard.ResponseGuard": 580,
    "crawler.middlewares.encoding.EncodingMiddleware": 590,
}

ITEM_PIPELINES = {
    "crawler.pipelines.normalize.NormalizePipeline": 100,
    "crawler.pipelines.classify.ClassifyPipeline": 200,
    "crawler.pipelines.capture.CapturePipeline": 300,
    "crawler.pipelines.store.StorePipeline": 400,
}

BASE: dict[str, Any] = {
    "BOT_NAME": BOT_NAME,
    "SPIDER_MODULES": ["spiders"],
    "USER_AGENT": USER_AGENT,
    "ROBOTSTXT_OBEY": True,
    "ROBOTSTXT_USER_AGENT": "LantianBot",
    "COOKIES_DEBUG": False,
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
    "DOWNLOAD_DELAY": 0.5,
    "DOWNLOAD_TIMEOUT": 30,
    "AUTOTHROTTLE_ENABLED": True,
    "AUTOTHROTTLE_START_DELAY": 0.5,
    "AUTOTHROTTLE_MAX_DELAY": 30.0,
    "RETRY_TIMES": 3,
    "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408, 429],
    "LANTIAN_RETRY_BACKOFF_BASE": 0.5,
    "LANTIAN_RETRY_BACKOFF_MAX": 30.0,
    # classification and the search index's segmentation run in a spawned worker process
    # (crawler.classify_client): the crawl process holds neither the rules nor jieba's
    # dictionary, and the reactor never waits on them; 0 runs them on a thread in process
    "LANTIAN_CLASSIFY_PROCESSES": 1,
    "DOWNLOADER_MIDDLEWARES": DOWNLOADER_MIDDLEWARES,
    "ITEM_PIPELINES": ITEM_PIPELINES,
    "EXTENSIONS": {
        "crawler.extensions.resume.ResumeGuard": 10,
        "crawler.extensions.urllog.UrlLog": 30,
        "crawler.extensions.health.ProfileHealth": 40,
    },
    "LANTIAN_DRIFT_THRESHOLD": 3,
    "LANTIAN_MAX_BLOCKS": 3,
    "DEPTH_LIMIT": 0,
    "TELNETCONSOLE_ENABLED": False,
    # Scrapy's remote-control extension: an HTTP server in the crawl process that runs Python
    # code sent to it; a crawl of other people's pages has no use for it
    "REMOTE_CONTROL_ENABLED": False,
    # items of one response in the pipelines at once (Scrapy's default is 100): fewer
    # in flight, less held in memory; the store batches them anyway
    "CONCURRENT_ITEMS": 16,
    "LOG_LEVEL": "INFO",
    "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
    # Scrapy's check re-reads and parses a generator callback's source on every response
    # (its cache is keyed by the bound method, new each time): a tenth of the reactor's time
    "WARN_ON_GENERATOR_RETURN_VALUE": False,
    "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
    # resolve once, refuse non-public answers, connect to the answer checked (no rebinding)
    "TWISTED_DNS_RESOLVER": "crawler.resolver.GuardedResolver",
    "FEED_EXPORT_ENCODING": "utf-8",
    "HTTPERROR_ALLOWED_CODES": [],
}


def browser_settings(
    chromium_path: str | None, max_pages: int = 4, *, allow_private: bool
) -> dict[str, Any]:
    """scrapy-playwright on the system Chromium: one browser, one context, a few pages; the
    captures' launch policy (sandbox where possible) and egress proxy
    (``crawler.guarded_browser``), private addresses refused unless ``allow_private``."""
    launch: dict[str, Any] = {"headless": True, "args": list(CHROMIUM_ARGS)}
    if chromium_path:
        launch["executable_path"] = chromium_path
    return {
        "DOWNLOAD_HANDLERS": {
            "http": "crawler.guarded_browser.GuardedPlaywrightHandler",
            "https": "crawler.guarded_browser.GuardedPlaywrightHandler",
        },
        "LANTIAN_BROWSER_EGRESS": {"allow_private_networks": allow_private, "allowed_origins": []},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": launch,
        "PLAYWRIGHT_MAX_CONTEXTS": 1,
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": max_pages,
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": 20_000,
        "PLAYWRIGHT_PROCESS_REQUEST_HEADERS": None,
    }


def crawl_settings(
    profile: Profile,
    *,
    database_url: str | None,
    run_id: int | None = None,
    campaign_id: int | None = None,
    obey_robots: bool = True,
    allow_private: bool = False,
    capture: bool = False,
    evidence: dict[str, Any] | None = None,
    max_seconds: int = 0,
    max_requests: int = 0,
    jobdir: Path | None = None,
    redis_url: str | None = None,
    redis_namespace: str = "lantian",
    chromium_path: str | None = None,
    log_file: Path | None = None,
    log_level: str = "INFO",
    overrides: dict[str, Any] | None = None,
) -> Settings:
    settings = Settings()
    settings.setdict(BASE, priority="project")
    settings.setdict(_profile_settings(profile), priority="spider")
    if profile.uses_browser:
        settings.setdict(
            browser_settings(
                chromium_path,
                max_pages=max(2, profile.rate.concurrency),
                allow_private=allow_private,
            ),
            priority="spider",
        )
    pipelines = dict(ITEM_PIPELINES)
    if not capture:
        pipelines.pop("crawler.pipelines.capture.CapturePipeline")
    run: dict[str, Any] = {
        "ROBOTSTXT_OBEY": obey_robots,
        "ITEM_PIPELINES": pipelines,
        "LANTIAN_DATABASE_URL": database_url,
        "LANTIAN_RUN_ID": run_id or 0,
        "LANTIAN_CAMPAIGN_ID": campaign_id or 0,
        "LANTIAN_ALLOW_PRIVATE_NETWORKS": allow_private,
        "LANTIAN_EVIDENCE": evidence or {},
        "CLOSESPIDER_TIMEOUT": max_seconds,
        "CLOSESPIDER_PAGECOUNT": max_requests,
        "LOG_LEVEL": log_level,
    }
    if log_file is not None:
        run["LOG_FILE"] = str(log_file)
        run["LOG_FILE_APPEND"] = True
    if jobdir is not None:
        run["JOBDIR"] = str(jobdir / profile.key)
        if not redis_url:  # a frontier that survives SIGKILL (Redis keeps its own)
            run["SCHEDULER"] = "crawler.frontier.DurableScheduler"
            run["SPIDER_MIDDLEWARES"] = {"crawler.frontier.FrontierTracker": 5}
    if redis_url:
        run.update(_shared_frontier_settings(profile, redis_url, redis_namespace))
    settings.setdict(run, priority="cmdline")
    if overrides:
        settings.setdict(overrides, priority="cmdline")
    return settings


def _profile_settings(profile: Profile) -> dict[str, Any]:
    """The profile's pace and size limits (spider priority: a campaign can override them)."""
    rate = profile.rate
    return {
        "CONCURRENT_REQUESTS_PER_DOMAIN": rate.concurrency,
        "DOWNLOAD_DELAY": rate.delay,
        "AUTOTHROTTLE_ENABLED": rate.autothrottle,
        "AUTOTHROTTLE_START_DELAY": max(rate.delay, 0.05),
        "AUTOTHROTTLE_MAX_DELAY": rate.max_delay,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(rate.concurrency),
        "DOWNLOAD_MAXSIZE": profile.max_body_bytes * 2,
        "DOWNLOAD_WARNSIZE": profile.max_body_bytes,
        "LANTIAN_MAX_BODY_BYTES": profile.max_body_bytes,
    }


def _shared_frontier_settings(profile: Profile, redis_url: str, namespace: str) -> dict[str, Any]:
    """scrapy-redis: the profile's queue and seen set in Redis, shared by the run's workers."""
    prefix = f"{namespace}:{profile.key}"
    return {
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_QUEUE_KEY": f"{prefix}:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"{prefix}:dupefilter",
        "DUPEFILTER_KEY": f"{prefix}:dupefilter",
        "REDIS_URL": redis_url,
        "LANTIAN_REDIS_PREFIX": prefix,
        # A worker pulls from the shared queue only what it can download now;
        # a larger buffer would hoard requests the other workers could take.
        "CONCURRENT_REQUESTS": profile.rate.concurrency * 2,
        "EXTENSIONS": {
            "crawler.extensions.resume.ResumeGuard": 10,
            "crawler.extensions.urllog.UrlLog": 30,
            "crawler.extensions.health.ProfileHealth": 40,
            "crawler.extensions.shared.SharedFrontierIdle": 20,
        },
    }
