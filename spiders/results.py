"""Search results read from a result page, and block (anti-bot) pages recognised.

No Scrapy here: parsel selectors over the page, so the spider, ``lantian
profiles check`` and the tests read a page the same way.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit

from parsel import Selector as Page

from spiders import extract
from spiders.profile import BlockMarker, PageType, Results, Selector


@dataclass(frozen=True)
class Result:
    """One search result as the page shows it; ``url`` is the link as the page has it."""

    rank: int
    url: str
    title: str
    snippet: str
    displayed_url: str
    ad: bool

    def as_fields(self) -> dict[str, Any]:
        return asdict(self)


def first_value(node: Page, alternatives: list[Selector]) -> str:
    """The value of the first alternative that finds something under ``node``, else ''."""
    for spec in alternatives:
        found = extract.value(node, spec)
        if found:
            return found
    return ""


def blocks(page: Page, spec: Results) -> list[Page]:
    """Every result block in page order; a block nested in another block counts once."""
    found: list[Page] = []
    for alternative in spec.block:
        found.extend(extract.select(page, alternative))
    roots = {id(b.root): b for b in found}
    ordered: list[Page] = []
    seen: set[int] = set()
    for node in page.root.iter():
        key = id(node)
        if key in roots and key not in seen:
            if any(id(anc) in seen for anc in node.iterancestors()):
                continue
            seen.add(key)
            ordered.append(roots[key])
    return ordered


def results(page: Page, spec: Results, base_url: str) -> list[Result]:
    """The page's results, ranked from 1 in page order; blocks without an http(s) link are skipped."""
    out: list[Result] = []
    for block in blocks(page, spec):
        link = first_value(block, spec.link)
        if not link:
            continue
        url = urljoin(base_url, link.strip())
        if urlsplit(url).scheme not in {"http", "https"}:
            continue
        ad = any(extract.select(block, alt) for alt in spec.ad)
        out.append(
            Result(
                rank=len(out) + 1,
                url=url,
                title=first_value(block, spec.title),
                snippet=first_value(block, spec.snippet),
                displayed_url=first_value(block, spec.displayed_url),
                ad=ad,
            )
        )
        if spec.limit is not None and len(out) >= spec.limit:
            break
    return out


def on_domains(url: str, domains: list[str]) -> bool:
    """Whether ``url``'s host is one of ``domains`` or under one."""
    host = (urlsplit(url).hostname or "").lower()
    return any(host == d or host.endswith("." + d) for d in domains)


def blocked_by(
    markers: list[BlockMarker], url: str, page: Page, domains: list[str] | None = None
) -> BlockMarker | None:
    """The first marker that says this page is an anti-bot, CAPTCHA or login page.

    With ``domains``, only the platform's own pages are looked at: a landing page on
    another site that happens to have a ``.captcha`` element is not the platform blocking.
    """
    if domains is not None and not on_domains(url, domains):
        return None
    title: str | None = None
    text: str | None = None
    for marker in markers:
        if marker.url is not None and re.search(marker.url, url):
            return marker
        if marker.css is not None and extract.matches(page, _css_marker(marker.css)):
            return marker
        if marker.title is not None or marker.text is not None:
            if title is None:
                title = extract.title(page)
            if marker.title is not None and re.search(marker.title, title):
                return marker
        if marker.text is not None:
            if text is None:
                body = " ".join(extract.strings(page, _BODY_TEXT))
                text = f"{title}\n{body[:20000]}"
            if re.search(marker.text, text):
                return marker
    return None


_BODY_TEXT = Selector(xpath="//body//text()[not(ancestor::script)]")


@lru_cache(maxsize=256)
def _css_marker(css: str) -> Selector:
    return Selector(css=css)


@dataclass(frozen=True)
class Link:
    """A link a page leads to: its absolute URL, the page type it is, and the result it is."""

    url: str
    to: str
    same_site: bool = True
    result: Result | None = None


def followed(page: Page, spec: PageType, base_url: str) -> list[Link]:
    """The links a page of type ``spec`` leads to.

    The spider follows exactly these (within its hop limit); ``profiles check``
    prints them.  Follow rules come first, in order, then the results' links.
    """
    out: list[Link] = []
    for rule in spec.follow:
        links = extract.values(page, rule.links)
        if rule.limit is not None:
            links = links[: rule.limit]
        for link in links:
            url = urljoin(base_url, link)
            if urlsplit(url).scheme not in {"http", "https"}:
                continue
            if rule.match and not re.search(rule.match, url):
                continue
            out.append(Link(url, rule.to, rule.same_site))
    if spec.results is not None and spec.results.to is not None:
        for result in results(page, spec.results, base_url):
            out.append(Link(result.url, spec.results.to, False, result))
    return out


_SCRIPT_TARGET = re.compile(
    r"""(?:location\.replace|location\.href\s*=|location\s*=|window\.open)\s*\(?\s*["']([^"']+)["']"""
)
_META_TARGET = re.compile(r"""url\s*=\s*['"]?([^'">\s]+)""", re.IGNORECASE)


def redirect_target(page: Page, base_url: str) -> str | None:
    """Where a click-through page sends the browser: a meta refresh or a script's location."""
    for content in page.xpath(
        "//meta[translate(@http-equiv, 'REFSH', 'refsh') = 'refresh']/@content"
    ).getall():
        match = _META_TARGET.search(content)
        if match:
            return urljoin(base_url, str(match.group(1)))
    for script in page.xpath("//script/text()").getall():
        match = _SCRIPT_TARGET.search(script)
        if match:
            return urljoin(base_url, str(match.group(1)))
    return None
