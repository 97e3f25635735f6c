"""Write every fetched URL to a file for `bench crawl`: whether a browser fetched it, the page
that linked to it and the platform's download slot, so the bench's bare arm can fetch the same
pages the same way, discovering each only once its parent has come back."""

from __future__ import annotations

import json
from typing import IO, Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response
from scrapy.settings import BaseSettings


def slot_record(platform: str, settings: BaseSettings) -> dict[str, Any]:
    """A platform's download slot as its crawler runs it: one crawler (and downloader) a
    platform, each with its own concurrency, delay and browser pages."""
    uses_browser = (
        "playwright" in str(settings.getdict("DOWNLOAD_HANDLERS").get("http", "")).lower()
    )
    return {
        "slot": platform,
        "concurrent_requests": settings.getint("CONCURRENT_REQUESTS"),
        "concurrency": settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"),
        "delay": settings.getfloat("DOWNLOAD_DELAY"),
        "randomize_delay": settings.getbool("RANDOMIZE_DOWNLOAD_DELAY"),
        "autothrottle": settings.getbool("AUTOTHROTTLE_ENABLED"),
        "browser_pages": settings.getint("PLAYWRIGHT_MAX_PAGES_PER_CONTEXT") if uses_browser else 0,
    }


class UrlLog:
    def __init__(self, path: str, settings: BaseSettings) -> None:
        # line-buffered: the crawlers of a run (one a platform) append to the same file, and a
        # line must reach it whole
        self.file: IO[str] = open(path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 - closed at spider_closed
        self.settings = settings
        self.parents: dict[str, str | None] = {}
        """each URL's parent when first scheduled (a redirect's hop or a duplicate is not)"""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        path = crawler.settings.get("LANTIAN_URL_LOG")
        if not path:
            raise NotConfigured("no LANTIAN_URL_LOG")
        ext = cls(path, crawler.settings)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.request_scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Any) -> None:
        self.file.write(json.dumps(slot_record(_platform(spider), self.settings)) + "\n")

    def request_scheduled(self, request: Request, spider: Any) -> None:
        """The page whose callback yielded the request: Scrapy's referer middleware names it
        before the request is scheduled (a redirect's next hop names the hop, so it is skipped)."""
        if "redirect_urls" in request.meta:
            return
        referer = request.headers.get("Referer")
        self.parents.setdefault(request.url, referer.decode("latin-1") if referer else None)

    def response_received(self, response: Response, request: Request, spider: Any) -> None:
        if request.url.endswith("/robots.txt"):
            return
        asked = (request.meta.get("redirect_urls") or [request.url])[0]
        self.file.write(
            json.dumps(
                {
                    "url": asked,
                    "final": response.url,
                    "platform": request.meta.get("platform") or _platform(spider),
                    "parent": self.parents.get(asked),
                    "priority": request.priority,
                    "browser": bool(request.meta.get("playwright")),
                    "wait_for": request.meta.get("lantian_wait_for"),
                }
            )
            + "\n"
        )

    def spider_closed(self, spider: Any) -> None:
        self.file.close()


def _platform(spider: Any) -> str:
    profile = getattr(spider, "profile", None)
    return str(profile.key) if profile is not None else str(spider.name)
