"""Decode Chinese pages right: GBK, GB18030 and Big5, declared or not."""

from __future__ import annotations

from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse, Request, Response, TextResponse
from scrapy.statscollectors import StatsCollector
from w3lib.encoding import (
    html_body_declared_encoding,
    http_content_type_encoding,
    read_bom,
    resolve_encoding,
)

FALLBACKS = ("utf-8", "gb18030", "big5")


def _cjk_share(text: str) -> float:
    if not text:
        return 0.0
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    return cjk / len(text)


def declared_encoding(content_type: str, body: bytes) -> str | None:
    enc = (
        read_bom(body)[0]
        or http_content_type_encoding(content_type)
        or html_body_declared_encoding(body)
    )
    return resolve_encoding(enc) if enc else None


def sniff_encoding(body: bytes) -> str:
    """The first of UTF-8, GB18030, Big5 that decodes ``body`` strictly.

    GB18030 decodes almost any byte string, so when Big5 also decodes, the one
    giving more common CJK ideographs wins.
    """
    try:
        body.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = []
    for enc in ("gb18030", "big5"):
        try:
            candidates.append((_cjk_share(body.decode(enc)), enc))
        except UnicodeDecodeError:
            continue
    if not candidates:
        return "gb18030"
    return max(candidates)[1]


def choose_encoding(content_type: str, body: bytes, forced: str | None = None) -> str:
    """Forced by the profile, else declared (BOM, header, meta), else sniffed.

    A declaration that does not decode the body (a UTF-8 header over GBK bytes,
    which misconfigured servers send) is overruled by sniffing.
    """
    if forced:
        return resolve_encoding(forced) or forced
    declared = declared_encoding(content_type, body)
    if declared:
        try:
            body.decode(declared)
            return declared
        except (UnicodeDecodeError, LookupError):
            pass
    return sniff_encoding(body)


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
