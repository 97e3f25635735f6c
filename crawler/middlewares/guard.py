"""Skip what is not a page: binaries and oversized bodies are dropped and counted."""

from __future__ import annotations

import logging
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

TEXT_TYPES = ("text/", "application/xhtml", "application/xml", "application/json")


class SkippedResponse(IgnoreRequest):
    """The response is not a page worth parsing (binary or too large)."""


def is_textual(content_type: str, body: bytes) -> bool:
    """By the declared type when there is one, else by sniffing for NUL bytes."""
    declared = content_type.split(";", 1)[0].strip().lower()
    if declared:
        return declared.startswith(TEXT_TYPES)
    return b"\x00" not in body[:2048]


class ResponseGuard:
    """Downloader middleware: count and drop binary or oversized responses.

    Bodies over ``max_bytes`` are also cut off during download by Scrapy's
    ``DOWNLOAD_MAXSIZE`` (set a little higher); the cancellation is counted here.
    robots.txt responses pass untouched.
    """

    def __init__(self, max_bytes: int, stats: StatsCollector | None = None) -> None:
        self.max_bytes = max_bytes
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(
            crawler.settings.getint("LANTIAN_MAX_BODY_BYTES", 5 * 1024 * 1024), crawler.stats
        )

    def _skip(self, request: Request, what: str, detail: str) -> SkippedResponse:
        if self.stats is not None:
            self.stats.inc_value(f"lantian/skipped_{what}")
        logger.info("skipped %s: %s", request.url, detail)
        return SkippedResponse(f"{what}: {detail}")

    def process_response(self, request: Request, response: Response) -> Any:
        if request.url.endswith("/robots.txt") or request.meta.get("dont_guard"):
            return response
        if len(response.body) > self.max_bytes:
            raise self._skip(request, "oversize", f"{len(response.body)} bytes > {self.max_bytes}")
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        if response.status < 300 and not is_textual(content_type, response.body):
            raise self._skip(request, "binary", content_type or "binary body")
        return response

    def process_exception(self, request: Request, exception: Exception) -> Any:
        if "maxsize" in str(exception).lower() or "warnsize" in str(exception).lower():
            raise self._skip(request, "oversize", str(exception))
        return None
