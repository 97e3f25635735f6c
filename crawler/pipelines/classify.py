"""Stage 2: the classifier's verdict on the page, judged block by block, in a worker process.

The worker also cuts the page's search index tokens, which ride on the item to the
store stage: the crawl process holds neither the rules nor jieba's dictionary.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector

from crawler.blocks import item_blocks
from crawler.classify_client import ClassifyClient
from crawler.classify_worker import Job, WorkerConfig
from crawler.pipelines.store import search_config
from spiders import ListingItem
from store.search import searchable_text, userdict_path

logger = logging.getLogger(__name__)


@lru_cache(maxsize=4)
def shared_client(config: WorkerConfig, processes: int) -> ClassifyClient:
    """One worker however many platforms crawl in this process."""
    return ClassifyClient(config, processes)


def shutdown_executors() -> int:
    """Stop the classification workers (after the crawl); returns their peak memory in KiB."""
    clients = [shared_client(*key) for key in _started]
    _started.clear()
    shared_client.cache_clear()
    return sum(client.close() for client in clients)


_started: list[tuple[WorkerConfig, int]] = []


def prestart(settings: BaseSettings) -> ClassifyClient:
    """Start the worker before any crawler exists (``lantian crawl`` does, before it migrates
    the database), so the rules and jieba load while the crawl sets up; the pipeline finds it
    by its configuration, and :func:`shutdown_executors` stops it with the others."""
    return _client(worker_config(settings), settings.getint("LANTIAN_CLASSIFY_PROCESSES", 1))


def _client(config: WorkerConfig, processes: int) -> ClassifyClient:
    key = (config, processes)
    client = shared_client(config, processes)
    if key not in _started:
        _started.append(key)
    return client


def worker_config(settings: BaseSettings) -> WorkerConfig:
    """What the worker needs from the crawl's settings; it cuts search tokens when the store
    stage keeps the search index."""
    search = settings.getdict("LANTIAN_SEARCH")
    userdict: Path | None = None
    indexed = settings.getbool("LANTIAN_SEARCH_INDEX", True) and bool(search.get("data_dir"))
    if indexed:
        userdict = userdict_path(search_config(search))
    return WorkerConfig(
        rules_dir=settings.get("LANTIAN_RULES_DIR") or None,
        threshold=settings.getfloat("LANTIAN_CLASSIFY_THRESHOLD", 0.5),
        database_url=settings.get("LANTIAN_DATABASE_URL") or None,
        search_tokens=indexed,
        search_userdict=str(userdict) if userdict else None,
    )


class ClassifyPipeline:
    """``classify(text, title, blocks)`` per item in the worker: the blocks are the title,
    each forum post (author, floor) and each line, so a reply is judged in its author's voice."""

    def __init__(
        self, client: ClassifyClient, stats: StatsCollector | None = None, indexed: bool = False
    ) -> None:
        self.client = client
        self.stats = stats
        self.indexed = indexed

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        config = worker_config(crawler.settings)
        client = _client(config, crawler.settings.getint("LANTIAN_CLASSIFY_PROCESSES", 1))
        return cls(client, crawler.stats, indexed=config.search_tokens)

    def job(self, item: ListingItem) -> Job:
        searchable = (
            searchable_text(item.title, item.text, item.shop, item.seller) if self.indexed else None
        )
        return Job(
            item.text, item.title, item_blocks(item.title, item.text, item.fields), searchable
        )

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, ListingItem):
            return item
        job = self.job(item)
        outcome = await self.client.classify(job)
        if outcome.error is not None:
            logger.error("%s stored unclassified: %s", item.url, outcome.error)
            if self.stats is not None:
                self.stats.inc_value("lantian/classify_failed")
            return item
        item.verdict = outcome.verdict
        if outcome.tokens is not None and job.searchable is not None:
            item.search_tokens = (job.searchable, outcome.tokens)
        if self.stats is not None:
            self.stats.inc_value("lantian/classified")
            if item.flagged:
                self.stats.inc_value("lantian/flagged")
        return item
