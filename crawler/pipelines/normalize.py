"""Stage 1: tidy what the spider parsed so the rest sees one shape."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from spiders import ListingItem, canonical_url

MAX_TEXT_CHARS = 200_000
_NUMBER = re.compile(r"(\d+(?:[.,]\d+)*)\s*(万|w|千|k)?", re.IGNORECASE)
_UNITS = {"万": 10_000, "w": 10_000, "千": 1_000, "k": 1_000}


def parse_number(raw: Any) -> float | None:
    """``"¥1,299.00"`` -> 1299.0, ``"已售1.2万件"`` -> 12000.0; ``None`` when there is no number."""
    if isinstance(raw, int | float):
        return float(raw)
    if not isinstance(raw, str):
        return None
    match = _NUMBER.search(raw)
    if not match:
        return None
    number = float(match.group(1).replace(",", ""))
    unit = (match.group(2) or "").lower()
    return number * _UNITS.get(unit, 1)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


class NormalizePipeline:
    """Canonical URL, NFC text, numeric price and sales, bounded text; empty pages dropped.

    Full-width forms and look-alikes are left alone: the classifier reads them as
    disguises, and hit offsets must index the text as stored.
    """

    def __init__(self, stats: StatsCollector | None = None, max_text: int = MAX_TEXT_CHARS) -> None:
        self.stats = stats
        self.max_text = max_text

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.stats, crawler.settings.getint("LANTIAN_MAX_TEXT_CHARS", MAX_TEXT_CHARS))

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ListingItem):
            return item
        item.title = nfc(item.title).strip()[:2000]
        item.text = nfc(item.text)
        if len(item.text) > self.max_text:
            item.text = item.text[: self.max_text]
            if self.stats is not None:
                self.stats.inc_value("lantian/text_truncated")
        if not item.title and not item.text:
            if self.stats is not None:
                self.stats.inc_value("lantian/dropped_empty")
            raise DropItem(f"empty page {item.url}")
        if not item.canonical_url:
            item.canonical_url = canonical_url(item.url)
        for name in ("price", "sales", "replies", "pages", "views"):
            if name in item.fields and not isinstance(item.fields[name], int | float):
                number = parse_number(item.fields[name])
                if number is not None:
                    item.fields[f"{name}_raw"] = item.fields[name]
                    item.fields[name] = (
                        int(number) if name != "price" and number.is_integer() else number
                    )
        for name in ("shop", "seller", "region"):
            value = getattr(item, name)
            if isinstance(value, str):
                setattr(item, name, nfc(value).strip()[:300] or None)
        return item
