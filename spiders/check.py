"""What a profile extracts from a saved page, and how much of an annotated page it follows.

``lantian profiles check`` and ``lantian profiles verify`` print these reports;
the tests measure the real-page coverage with the same functions, and the
spider reads pages through the same ``spiders.results`` functions.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from parsel import Selector as Page

from spiders import extract
from spiders.archive import ArchivedResponse
from spiders.profile import PageType, Profile, Selector
from spiders.results import Link, Result, blocked_by, followed, results

MIN_COVERAGE = 0.95


@dataclass
class PageReport:
    """Everything one page type of a profile takes from one page."""

    url: str
    page_type: str
    status: int
    encoding: str
    blocked: str | None = None
    links: list[Link] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    next_page: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    text: str = ""
    empty: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "page_type": self.page_type,
            "status": self.status,
            "encoding": self.encoding,
            "blocked": self.blocked,
            "links": [{"url": link.url, "to": link.to} for link in self.links],
            "results": [r.as_fields() for r in self.results],
            "next_page": self.next_page,
            "fields": self.fields,
            "text": self.text,
            "empty": self.empty,
        }


def describe(spec: Selector) -> str:
    return spec.css if spec.css is not None else f"xpath:{spec.xpath}"


def decode(response: ArchivedResponse, forced: str | None = None) -> tuple[str, str]:
    """The page's text and encoding, chosen as the crawl's encoding middleware chooses."""
    from spiders.encoding import choose_encoding

    encoding = choose_encoding(response.content_type, response.body, forced)
    return response.body.decode(encoding, errors="replace"), encoding


def empty_selectors(sel: Page, spec: PageType, base_url: str) -> list[str]:
    """The page type's selectors that found nothing on this page (drift shows here first)."""
    empty: list[str] = []
    for rule in spec.follow:
        if not extract.values(sel, rule.links):
            empty.append(f"follow[{rule.to}]: {describe(rule.links)}")
    if spec.results is not None and not results(sel, spec.results, base_url):
        empty.append("results.block: " + " | ".join(describe(b) for b in spec.results.block))
    for name, field_spec in spec.fields.items():
        if extract.value(sel, field_spec) is None:
            empty.append(f"fields.{name}: {describe(field_spec)}")
    return empty


def check_page(profile: Profile, page_type: str, response: ArchivedResponse) -> PageReport:
    """Apply ``page_type`` of ``profile`` to one saved response."""
    spec = profile.pages[page_type]
    text, encoding = decode(response, spec.encoding or profile.encoding)
    sel = Page(text=text, base_url=response.url)
    report = PageReport(
        url=response.url, page_type=page_type, status=response.status, encoding=encoding
    )
    marker = blocked_by(profile.blocked, response.url, sel, profile.allowed_domains or None)
    if marker is not None:
        report.blocked = marker.name
        return report
    report.links = followed(sel, spec, response.url)
    if spec.results is not None:
        report.results = results(sel, spec.results, response.url)
    if spec.next_page is not None:
        report.next_page = extract.value(sel, spec.next_page)
    report.fields = extract.fields(sel, spec.fields)
    # Only a page that is a listing is classified whole; each result is classified by itself.
    report.text = extract.page_text(sel, spec.text) if spec.emit else ""
    report.empty = empty_selectors(sel, spec, response.url)
    return report


def url_key(url: str) -> tuple[str, str, str]:
    """Two spellings of one link compare equal: entities, host case, default port, escapes."""
    parts = urlsplit(html.unescape(url).strip())
    host = (parts.hostname or "").lower()
    return host, unquote(parts.path or "/"), unquote(parts.query)


@dataclass(frozen=True)
class Coverage:
    name: str
    expected: int
    found: int
    missing: list[str]

    @property
    def ratio(self) -> float:
        return self.found / self.expected if self.expected else 1.0


def coverage(name: str, report: PageReport, expected_urls: list[str]) -> Coverage:
    """How many annotated result links the profile follows on this page."""
    followed_keys = {url_key(link.url) for link in report.links}
    missing = [u for u in expected_urls if url_key(u) not in followed_keys]
    return Coverage(name, len(expected_urls), len(expected_urls) - len(missing), missing)


def expected_urls(path: Path) -> list[str]:
    """The annotated result links of a real page (``<name>.expected.json``)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return [str(r["url"]) for r in data.get("results", [])]
