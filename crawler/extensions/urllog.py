"""Write every fetched URL (and whether a browser fetched it) to a file, for `bench crawl`."""

from __future__ import annotations

import json
from typing import IO, Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response


class UrlLog:
    def __init__(self, path: str) -> None:
        self.file: IO[str] = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed at spider_closed

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        path = crawler.settings.get("LANTIAN_URL_LOG")
        if not path:
            raise NotConfigured("no LANTIAN_URL_LOG")
        ext = cls(path)
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def response_received(self, response: Response, request: Request, spider: Any) -> None:
        if request.url.endswith("/robots.txt"):
            return
        self.file.write(
            json.dumps(
                {
                    "url": request.url,
                    "browser": bool(request.meta.get("playwright")),
                    "wait_for": request.meta.get("lantian_wait_for"),
                }
            )
            + "\n"
        )

    def spider_closed(self, spider: Any) -> None:
        self.file.close()
