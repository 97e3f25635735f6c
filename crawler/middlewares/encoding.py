"""Decode Chinese pages right: GBK, GB18030 and Big5, declared or not (``spiders.encoding``)."""

from __future__ import annotations

from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse, Request, Response, TextResponse
from scrapy.statscollectors import StatsCollector

from spiders import choose_encoding


class EncodingMiddleware:
    """Downloader middleware: rebuild text responses with the right encoding."""

    def __init__(self, stats: StatsCollector | None = None) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.stats)

    def process_response(self, request: Request, response: Response) -> Any:
        if not isinstance(response, TextResponse) and b"<" not in response.body[:1024]:
            return response
        forced = request.meta.get("encoding")
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        enc = choose_encoding(content_type, response.body, forced)
        current = response.encoding if isinstance(response, TextResponse) else None
        if current == enc:
            return response
        if self.stats is not None and enc != "utf-8":
            self.stats.inc_value(f"lantian/encoding/{enc}")
        cls = type(response) if isinstance(response, TextResponse) else HtmlResponse
        return response.replace(cls=cls, encoding=enc)
