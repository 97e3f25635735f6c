"""Stage 2: the classifier's verdict on the whole page text."""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from functools import lru_cache, partial
from pathlib import Path
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler import classify_worker
from crawler.items import ListingItem


@lru_cache(maxsize=4)
def shared_classifier(rules_dir: str | None, threshold: float) -> Any:
    """One in-process classifier, however many platforms crawl in this process."""
    from classifiers import load_default_classifier

    return load_default_classifier(
        rules_dir=Path(rules_dir) if rules_dir else None, threshold=threshold
    )


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
    """``classify(text, title)`` per item, off the reactor thread."""

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
        if processes > 0:
            classify: Any = classify_worker.classify
        else:
            classify = shared_classifier(rules_dir, threshold).classify
        return cls(classify, executor, crawler.stats)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, ListingItem):
            return item
        loop = asyncio.get_running_loop()
        item.verdict = await loop.run_in_executor(
            self.executor, partial(self._classify, item.text, item.title)
        )
        if self.stats is not None:
            self.stats.inc_value("lantian/classified")
            if item.flagged:
                self.stats.inc_value("lantian/flagged")
        return item
