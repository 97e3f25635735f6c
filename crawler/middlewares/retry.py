"""Retries for 429 and 5xx that back off instead of hammering a struggling site."""

from __future__ import annotations

import asyncio
import random
from email.utils import parsedate_to_datetime
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Request, Response
from scrapy.settings import BaseSettings

from store import utcnow

BACKOFF_META = "lantian_backoff"


def retry_after_seconds(value: str | None) -> float | None:
    """A ``Retry-After`` header as seconds (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - utcnow()).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry, plus an exponential delay (with jitter) before each retry.

    The n-th retry waits ``base * 2**(n-1)`` seconds, capped at ``max``; a
    ``Retry-After`` header on a 429/503 is honoured up to the same cap.  The
    wait happens before the request re-enters the downloader, so it holds no
    slot while sleeping.
    """

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.base = settings.getfloat("LANTIAN_RETRY_BACKOFF_BASE", 0.5)
        self.cap = settings.getfloat("LANTIAN_RETRY_BACKOFF_MAX", 30.0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        mw = cls(crawler.settings)
        mw.crawler = crawler
        return mw

    def delay_for(self, retry_number: int, retry_after: float | None) -> float:
        delay = self.base * 2 ** max(0, retry_number - 1)
        delay *= float(random.uniform(0.8, 1.2))
        if retry_after is not None:
            delay = max(delay, retry_after)
        return float(min(delay, self.cap))

    async def process_request(self, request: Request) -> Any:
        delay = request.meta.pop(BACKOFF_META, None)
        if delay:
            await asyncio.sleep(delay)
        return None

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Any:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        new = super().process_response(request, response)
        if isinstance(new, Request):
            header = response.headers.get(b"Retry-After")
            retry_after = retry_after_seconds(header.decode("latin-1") if header else None)
            new.meta[BACKOFF_META] = self.delay_for(new.meta.get("retry_times", 1), retry_after)
        return new

    def process_exception(self, request: Request, exception: Exception, spider: Any = None) -> Any:
        new = super().process_exception(request, exception)
        if isinstance(new, Request):
            new.meta[BACKOFF_META] = self.delay_for(new.meta.get("retry_times", 1), None)
        return new
