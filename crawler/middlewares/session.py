"""A profile's session: cookies from a file, a proxy, extra headers.  Never logged."""

from __future__ import annotations

import http.cookiejar
import json
from pathlib import Path
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.http import Request
from scrapy.utils.httpobj import urlparse_cached

from spiders import SessionSpec


class CookieFileError(ValueError):
    """A profile's cookie file cannot be read; the message names the file, not its content."""


def load_cookies(path: Path) -> list[dict[str, Any]]:
    """Cookies from a Netscape ``cookies.txt`` or a JSON list of ``{name, value, domain, path}``."""
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CookieFileError(f"cookie file {path}: {exc.strerror}") from exc
    if raw.lstrip().startswith("["):
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise CookieFileError(
                f"cookie file {path}: not valid JSON (line {exc.lineno})"
            ) from exc
        return [
            {
                "name": c["name"],
                "value": c["value"],
                "domain": c.get("domain", ""),
                "path": c.get("path", "/"),
            }
            for c in data
            if isinstance(c, dict) and "name" in c and "value" in c
        ]
    jar = http.cookiejar.MozillaCookieJar()
    try:
        jar.load(str(path), ignore_discard=True, ignore_expires=True)
    except (http.cookiejar.LoadError, OSError) as exc:
        raise CookieFileError(f"cookie file {path}: not a Netscape cookies.txt") from exc
    return [
        {"name": c.name, "value": c.value or "", "domain": c.domain, "path": c.path} for c in jar
    ]


def _domain_matches(host: str, domain: str) -> bool:
    domain = domain.lstrip(".").lower()
    return not domain or host == domain or host.endswith("." + domain)


class ProfileSessionMiddleware:
    """Downloader middleware (before Scrapy's cookie middleware): attach the profile's
    cookies, proxy and headers to each request for a matching host.

    Cookie values go into Scrapy's cookie jar, whose debug logging stays off
    (``COOKIES_DEBUG = False``); the proxy's credentials live only in meta.
    """

    def __init__(self, spec: SessionSpec | None) -> None:
        self.spec = spec or SessionSpec()
        self.cookies = load_cookies(self.spec.cookies_file) if self.spec.cookies_file else []
        self._seeded: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        profile = getattr(crawler.spider, "profile", None)
        return cls(profile.session if profile is not None else None)

    def process_request(self, request: Request) -> Any:
        host = (urlparse_cached(request).hostname or "").lower()
        for name, value in self.spec.headers.items():
            request.headers.setdefault(name, value)
        if self.spec.proxy and "proxy" not in request.meta:
            request.meta["proxy"] = self.spec.proxy
        if self.cookies and host not in self._seeded:
            mine = [c for c in self.cookies if _domain_matches(host, str(c["domain"]))]
            if mine:
                self._seeded.add(host)
                existing: list[Any] = (
                    list(request.cookies) if isinstance(request.cookies, list) else []
                )
                added: list[Any] = [
                    {"name": c["name"], "value": c["value"], "domain": host, "path": c["path"]}
                    for c in mine
                ]
                request.cookies = [*existing, *added]
        return None
