"""Stage 2: the classifier's verdict on the whole page text."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.items import ListingItem


@lru_cache(maxsize=4)
def shared_classifier(rules_dir: str | None, threshold: float) -> Any:
    """One classifier per process, however many platforms crawl in it."""
    from classifiers import load_default_classifier

    return load_default_classifier(rules_dir=Path(rules_dir) if rules_dir else None, threshold=threshold)


@lru_cache(maxsize=1)
def _executor() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="lantian-classify")


class ClassifyPipeline:
    """``classify(text, title)`` per item, on one worker thread.

    Classification is CPU work (segmentation, rule scan); off the reactor
    thread, downloads and parsing continue while a page is being classified.
    """

    def __init__(self, classifier: Any, stats: StatsCollector | None = None) -> None:
        self.classifier = classifier
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        classifier = shared_classifier(
            crawler.settings.get("LANTIAN_RULES_DIR") or None,
            crawler.settings.getfloat("LANTIAN_CLASSIFY_THRESHOLD", 0.5),
        )
        return cls(classifier, crawler.stats)

    def classify(self, item: ListingItem) -> ListingItem:
        item.verdict = self.classifier.classify(item.text, item.title)
        if self.stats is not None:
            self.stats.inc_value("lantian/classified")
            if item.flagged:
                self.stats.inc_value("lantian/flagged")
        return item

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, ListingItem):
            return item
        return await asyncio.get_running_loop().run_in_executor(_executor(), self.classify, item)
