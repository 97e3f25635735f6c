"""Stage 2: the classifier's verdict on the whole page text."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.items import ListingItem


class ClassifyPipeline:
    """Calls ``classifiers.load_default_classifier()`` once, then ``classify(text, title)`` per item."""

    def __init__(self, classifier: Any, stats: StatsCollector | None = None) -> None:
        self.classifier = classifier
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        from classifiers import load_default_classifier

        rules_dir = crawler.settings.get("LANTIAN_RULES_DIR")
        classifier = load_default_classifier(
            rules_dir=Path(rules_dir) if rules_dir else None,
            threshold=crawler.settings.getfloat("LANTIAN_CLASSIFY_THRESHOLD", 0.5),
        )
        return cls(classifier, crawler.stats)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ListingItem):
            return item
        item.verdict = self.classifier.classify(item.text, item.title)
        if self.stats is not None:
            self.stats.inc_value("lantian/classified")
            if item.flagged:
                self.stats.inc_value("lantian/flagged")
        return item
