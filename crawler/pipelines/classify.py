"""Stage 2: the classifier's verdict on the page, judged block by block."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from functools import lru_cache, partial
from pathlib import Path
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector
from sqlalchemy.orm import Session

from crawler import classify_worker
from crawler.blocks import item_blocks
from spiders import ListingItem

logger = logging.getLogger(__name__)


@lru_cache(maxsize=4)
def shared_classifier(rules_dir: str | None, threshold: float) -> Any:
    """One in-process classifier, however many platforms crawl in this process."""
    from classifiers import load_default_classifier

    return load_default_classifier(
        rules_dir=Path(rules_dir) if rules_dir else None, threshold=threshold
    )


def licensed_register(database_url: str | None) -> Any:
    """The office's register of licensed agencies, or None while none has been imported.

    With an empty register every company claiming agency work would look
    unlicensed, so the check only runs once ``lantian agencies import`` has filled it.
    """
    if not database_url:
        return None
    from store import load_registry, make_engine

    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            registry = load_registry(session)
    finally:
        engine.dispose()
    return registry if registry.agencies else None


_executors: list[Executor] = []


def shutdown_executors() -> None:
    """Stop the classification workers (after the crawl; their memory is then counted)."""
    while _executors:
        _executors.pop().shutdown(wait=True)
    shared_executor.cache_clear()


@lru_cache(maxsize=4)
def shared_executor(rules_dir: str | None, threshold: float, processes: int) -> Executor:
    """Where classification runs: worker processes (``processes`` > 0) or one thread.

    A worker process uses the second core while the crawl process parses and
    downloads; one thread keeps everything in process (tests, small machines).
    """
    executor: Executor
    if processes > 0:
        executor = ProcessPoolExecutor(
            max_workers=processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=classify_worker.init,
            initargs=(rules_dir, threshold),
        )
    else:
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lantian-classify")
    _executors.append(executor)
    return executor


class ClassifyPipeline:
    """``classify(text, title, blocks)`` per item, off the reactor thread: the blocks are the
    title, each forum post (author, floor) and each line, so a reply is judged in its author's voice."""

    def __init__(
        self, classify: Any, executor: Executor, stats: StatsCollector | None = None
    ) -> None:
        self._classify = classify
        self.executor = executor
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        rules_dir = crawler.settings.get("LANTIAN_RULES_DIR") or None
        threshold = crawler.settings.getfloat("LANTIAN_CLASSIFY_THRESHOLD", 0.5)
        processes = crawler.settings.getint("LANTIAN_CLASSIFY_PROCESSES", 0)
        executor = shared_executor(rules_dir, threshold, processes)
        registry = licensed_register(crawler.settings.get("LANTIAN_DATABASE_URL"))
        if processes > 0:
            if registry is not None:
                logger.warning(
                    "the licensed-agency check runs only with in-process classification "
                    "(LANTIAN_CLASSIFY_PROCESSES=0); worker processes apply the rules alone"
                )
            classify: Any = classify_worker.classify
        else:
            classifier = shared_classifier(rules_dir, threshold)
            # jieba's dictionary (for word-boundary rules and the search index's tokens) loads
            # now, before the crawl, not on the first ambiguous term: loading it is seconds of
            # pure Python that would hold the GIL against the reactor mid-crawl
            classifier.warm_up()
            classify = classifier.with_registry(registry).classify
        return cls(classify, executor, crawler.stats)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, ListingItem):
            return item
        loop = asyncio.get_running_loop()
        blocks = item_blocks(item.title, item.text, item.fields)
        item.verdict = await loop.run_in_executor(
            self.executor, partial(self._classify, item.text, item.title, blocks)
        )
        if self.stats is not None:
            self.stats.inc_value("lantian/classified")
            if item.flagged:
                self.stats.inc_value("lantian/flagged")
        return item
