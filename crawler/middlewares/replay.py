"""Serve archived responses instead of the network (``lantian crawl --replay FILE.warc|DIR``).

Saved crawls, test fixtures and bug reports are WARCs; replaying one crawls the
platform's real page structure with no network at all.  A URL the archive
lacks is answered 404 (so robots.txt allows everything and landing pages that
were not archived are simply absent).  It sits first among the downloader
middlewares: nothing is resolved or fetched.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Self

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Request, Response
from scrapy.responsetypes import responsetypes
from scrapy.statscollectors import StatsCollector

from spiders import ArchivedResponse, read_archives, url_key

logger = logging.getLogger(__name__)


class ReplayIndex:
    """The archive's responses by URL (exact first, then by ``url_key``); the last capture wins."""

    def __init__(self, responses: list[ArchivedResponse]) -> None:
        self.exact = {r.url: r for r in responses}
        self.loose = {url_key(r.url): r for r in responses}

    @classmethod
    def load(cls, path: Path) -> ReplayIndex:
        return cls(list(read_archives(path)))

    def get(self, url: str) -> ArchivedResponse | None:
        return self.exact.get(url) or self.loose.get(url_key(url))

    def __len__(self) -> int:
        return len(self.exact)


class ReplayMiddleware:
    def __init__(self, index: ReplayIndex, stats: StatsCollector | None = None) -> None:
        self.index = index
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        path = crawler.settings.get("LANTIAN_REPLAY")
        if not path:
            raise NotConfigured("no LANTIAN_REPLAY")
        index = ReplayIndex.load(Path(path))
        logger.info("replaying %d archived responses from %s", len(index), path)
        return cls(index, crawler.stats)

    def _count(self, what: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(f"lantian/replay/{what}")

    def process_request(self, request: Request) -> Response:
        archived = self.index.get(request.url)
        if archived is None:
            self._count("missing")
            return Response(url=request.url, status=404, body=b"", request=request)
        self._count("served")
        headers = Headers()
        for name, value in archived.headers:
            headers.appendlist(name, value)
        cls = responsetypes.from_args(headers=headers, url=request.url, body=archived.body)
        return cls(
            url=request.url,
            status=archived.status,
            headers=headers,
            body=archived.body,
            request=request,
        )
