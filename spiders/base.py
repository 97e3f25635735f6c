"""The generic spider: walks a site profile's page graph and yields listings.

The three source kinds (search engine, marketplace, forum) share this walk;
their subclasses in ``spiders/search.py`` etc. only name themselves and set
kind-specific defaults.  Everything platform-specific is in the profile.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import quote, urlsplit

import scrapy
from parsel import Selector as Page
from scrapy.http import Request, Response, TextResponse

from spiders import extract
from spiders.health import page_problem
from spiders.items import ListingItem
from spiders.profile import PageType, Profile
from spiders.results import Result, blocked_by, followed, on_domains, redirect_target
from spiders.urls import canonical_url

PROMOTED = ("shop", "seller", "region")


class ProfileSpider(scrapy.Spider):
    """Crawl one platform as its profile describes, for a campaign's keywords.

    ``max_pages`` bounds pagination of each entry (result pages per query);
    ``max_hops`` bounds how many links deep the crawl follows from an entry page;
    ``max_continuations`` bounds the pages merged into one listing (thread replies).
    """

    name = "profile"

    def __init__(
        self,
        profile: Profile,
        keywords: list[str] | None = None,
        *,
        max_pages: int = 5,
        max_hops: int = 3,
        max_continuations: int = 50,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=f"{self.name}-{profile.key}", **kwargs)
        self.profile = profile
        self.keywords = list(keywords or [])
        self.max_pages = max_pages
        self.max_hops = max_hops
        self.max_continuations = max_continuations
        self.allowed_domains = list(profile.allowed_domains)

    # -- requests ---------------------------------------------------------

    def start_urls_for_run(self) -> Iterator[tuple[str, str | None]]:
        """(url, keyword) pairs the crawl enters at, in a stable order."""
        for template in self.profile.start.queries:
            for keyword in self.keywords:
                yield template.replace("{keyword}", quote(keyword, safe="")), keyword
        for url in self.profile.start.urls:
            yield url, None

    async def start(self) -> AsyncIterator[Any]:
        replay = self.settings.get("LANTIAN_REPLAY")
        starts = self.replay_starts(replay) if replay else list(self.start_urls_for_run())
        for url, keyword in starts:
            yield self.page_request(
                url, self.profile.start.entry, keyword=keyword, hops=0, page_no=1
            )

    def replay_starts(self, path: str) -> list[tuple[str, str | None]]:
        """Replaying an archive: enter at its pages that the profile's query templates produce."""
        from pathlib import Path

        from spiders.archive import entry_pages, read_archives

        return entry_pages(
            list(read_archives(Path(path))), self.profile.start.queries, self.allowed_domains
        )

    def page_request(
        self,
        url: str,
        page_type: str,
        *,
        keyword: str | None,
        hops: int,
        page_no: int,
        offsite: bool = False,
        partial: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Request:
        page = self.profile.pages[page_type]
        meta: dict[str, Any] = {
            "page_type": page_type,
            "keyword": keyword,
            "hops": hops,
            "page_no": page_no,
            "platform": self.profile.key,
        }
        if offsite:
            meta["allow_offsite"] = True
        if partial is not None:
            meta["partial"] = partial
        if extra:
            meta.update(extra)
        if page.render == "browser":
            from scrapy_playwright.page import PageMethod

            meta["playwright"] = True
            meta["lantian_wait_for"] = page.wait_for
            if page.wait_for:
                meta["playwright_page_methods"] = [
                    PageMethod("wait_for_selector", page.wait_for, timeout=15_000)
                ]
        # Deeper pages first, so listings come out early and the frontier stays small.
        priority = hops * 10 - min(page_no, 9)
        return Request(
            url,
            callback=self.parse_page,
            errback=self.page_failed,
            meta=meta,
            priority=priority,
            dont_filter=partial is not None or bool(extra and extra.get("dont_filter")),
        )

    # -- parsing ----------------------------------------------------------

    def parse_page(self, response: Response) -> Iterator[Any]:
        if not isinstance(response, TextResponse):
            self.crawler.stats.inc_value("lantian/skipped_not_text")
            return
        self.crawler.stats.inc_value("lantian/pages")
        meta = response.meta
        page_type: str = meta["page_type"]
        page = self.profile.pages[page_type]
        sel = Page(text=response.text, base_url=response.url)
        partial = meta.get("partial")

        marker = blocked_by(self.profile.blocked, response.url, sel, self.allowed_domains)
        if marker is not None:
            self._problem(
                "blocked",
                page_type,
                f"blocked: {self.profile.key}.{page_type}: {marker.name} on {response.url}",
                response,
            )
            return
        if self._is_redirector(response.url):
            yield from self._resolve_redirect(sel, response)
            return

        found_fields = False
        next_url = self._next_url(sel, page, response)
        if page.emit:
            own = extract.fields(sel, page.fields)
            found_fields = bool(own)
            item_data = self._page_data(sel, page, response, own)
            if partial is not None:
                item_data = _merge(partial, item_data)
            continuing = (
                page.continues and next_url is not None and meta["page_no"] < self.max_continuations
            )
            if continuing:
                assert next_url is not None
                yield self.page_request(
                    next_url,
                    page_type,
                    keyword=meta.get("keyword"),
                    hops=meta["hops"],
                    page_no=meta["page_no"] + 1,
                    partial=item_data,
                )
            else:
                yield self._item(item_data, page, response)

        if partial is None:
            links = followed(sel, page, response.url)
            if page.results is not None and page.results.emit:
                yield from self._result_items(sel, page, response)
            if not links and not found_fields:
                self._check_drift(sel, page, response)
            yield from self._follow(links, response)
            if not page.continues:
                yield from self._paginate(next_url, response)

    # -- search results, click-through links, drift and blocks --------------

    def _result_items(self, sel: Page, page: PageType, response: TextResponse) -> Iterator[Any]:
        from spiders.results import results

        assert page.results is not None
        for result in results(sel, page.results, response.url):
            yield self._result_item(result, page.results.emit or "serp_result", response)

    def _result_item(self, result: Result, page_kind: str, response: TextResponse) -> ListingItem:
        """One search result as a listing: what the engine shows for the query, ads marked."""
        keyword = response.meta.get("keyword")
        fields: dict[str, Any] = {
            "engine": self.profile.key,
            "query": keyword,
            "rank": result.rank,
            "page_no": response.meta.get("page_no", 1),
            "snippet": result.snippet,
            "displayed_url": result.displayed_url,
            "ad": result.ad,
            "serp_url": response.url,
        }
        self.crawler.stats.inc_value(f"lantian/items/{page_kind}")
        text = "\n".join(t for t in (result.title, result.snippet, result.displayed_url) if t)
        return ListingItem(
            platform=self.profile.key,
            kind=self.profile.kind.value,
            page_kind=page_kind,
            url=result.url,
            canonical_url=serp_result_key(
                canonical_url(result.url, self.profile.tracking_params), keyword
            ),
            title=result.title,
            text=text,
            fields=fields,
            keyword=keyword,
            http_status=response.status,
            encoding=response.encoding,
        )

    def _is_redirector(self, url: str) -> bool:
        return any(re.search(pattern, url) for pattern in self.profile.redirects)

    def _resolve_redirect(self, sel: Page, response: TextResponse) -> Iterator[Request]:
        """A click-through page that sends the browser on by script or meta refresh: go there."""
        target = redirect_target(sel, response.url)
        chain = [*response.meta.get("redirect_chain", []), *_redirects(response), response.url]
        if target is None or target in chain or len(chain) > 10:
            self.crawler.stats.inc_value("lantian/redirect_unresolved")
            return
        extra = {"redirect_chain": chain, "dont_filter": True}
        if "from_result" in response.meta:
            extra["from_result"] = response.meta["from_result"]
        yield self.page_request(
            target,
            response.meta["page_type"],
            keyword=response.meta.get("keyword"),
            hops=response.meta["hops"],
            page_no=response.meta["page_no"],
            offsite=True,
            extra=extra,
        )

    def _check_drift(self, sel: Page, page: PageType, response: TextResponse) -> None:
        """A page of the platform itself where nothing the profile looks for is found."""
        if response.status != 200 or not (page.follow or page.results or page.fields):
            return
        if not on_domains(response.url, self.allowed_domains):
            return
        from spiders.check import empty_selectors

        empty = empty_selectors(sel, page, response.url)
        self._problem(
            "broken",
            response.meta["page_type"],
            f"profile broken: {self.profile.key}.{response.meta['page_type']}: "
            f"{'; '.join(empty) or 'every selector'} matched nothing on {response.url}",
            response,
        )

    def _problem(self, kind: str, page_type: str, message: str, response: Response) -> None:
        self.crawler.stats.inc_value(f"lantian/problems/{kind}")
        self.logger.warning(message)
        self.crawler.signals.send_catch_log(
            page_problem,
            spider=self,
            kind=kind,
            page_type=page_type,
            message=message,
            response=response,
        )

    def page_failed(self, failure: Any) -> Iterator[Any]:
        """A continuation page failed: keep what the earlier pages of the listing gave."""
        request = getattr(failure, "request", None)
        if request is None:
            return
        partial = request.meta.get("partial")
        if partial is not None:
            self.crawler.stats.inc_value("lantian/continuation_failed")
            page = self.profile.pages[request.meta["page_type"]]
            yield self._item_from(partial, page, partial["url"], None, None, False)

    def _page_data(
        self, sel: Page, page: PageType, response: TextResponse, fields: dict[str, Any]
    ) -> dict[str, Any]:
        """The listing's data from this page; ``fields`` are the profile's fields found on it
        (``extract.fields``, read once by the caller, which also needs them for the drift
        check), kept here and added to."""
        data: dict[str, Any] = {
            "url": response.meta.get("listing_url", response.url),
            "fields": fields,
            "text": extract.page_text(sel, page.text),
            "page_title": extract.clean(extract.title(sel)),
            "http_status": response.status,
            "encoding": response.encoding,
            "keyword": response.meta.get("keyword"),
            "rendered": bool(response.meta.get("playwright")),
        }
        for name, spec in page.records.items():
            records = extract.records(sel, spec)
            if page.continues:
                # a listing spread over pages (a thread's reply pages): each record keeps the
                # page it was read on, so a notice can cite the post where a reader finds it
                for record in records:
                    if isinstance(record, dict):
                        record.setdefault("page_url", response.url)
            data["fields"][name] = records
        if "from_result" in response.meta:
            data["fields"]["from_result"] = response.meta["from_result"]
        chain = [*response.meta.get("redirect_chain", []), *_redirects(response)]
        if chain:
            data["fields"]["redirect_chain"] = [*chain, response.url]
        return data

    def _item(self, data: dict[str, Any], page: PageType, response: TextResponse) -> ListingItem:
        return self._item_from(
            data, page, data["url"], data["http_status"], data["encoding"], data["rendered"]
        )

    def _item_from(
        self,
        data: dict[str, Any],
        page: PageType,
        url: str,
        status: int | None,
        encoding: str | None,
        rendered: bool,
    ) -> ListingItem:
        fields = dict(data["fields"])
        title = fields.pop("title", None) or data.get("page_title") or ""
        promoted: dict[str, str | None] = {name: fields.get(name) for name in PROMOTED}
        self.crawler.stats.inc_value(f"lantian/items/{page.emit}")
        return ListingItem(
            platform=self.profile.key,
            kind=self.profile.kind.value,
            page_kind=page.emit or "listing",
            url=url,
            canonical_url=canonical_url(url, self.profile.tracking_params),
            title=title,
            text=data["text"],
            fields=fields,
            keyword=data.get("keyword"),
            http_status=status,
            encoding=encoding,
            rendered=rendered,
            shop=promoted["shop"],
            seller=promoted["seller"],
            region=promoted["region"],
        )

    def _follow(self, links: list[Any], response: TextResponse) -> Iterator[Request]:
        hops = response.meta["hops"] + 1
        if hops > self.max_hops:
            return
        for link in links:
            extra = None
            if link.result is not None:
                keyword = response.meta.get("keyword")
                extra = {
                    "from_result": {
                        "engine": self.profile.key,
                        "query": keyword,
                        "rank": link.result.rank,
                        "page_no": response.meta.get("page_no", 1),
                        "url": link.url,
                        # the serp_result listing's canonical URL: the landing page links to it
                        "listing": serp_result_key(
                            canonical_url(link.url, self.profile.tracking_params), keyword
                        ),
                    }
                }
            yield self.page_request(
                link.url,
                link.to,
                keyword=response.meta.get("keyword"),
                hops=hops,
                page_no=1,
                offsite=not link.same_site,
                extra=extra,
            )

    def _next_url(self, sel: Page, page: PageType, response: TextResponse) -> str | None:
        if page.next_page is None:
            return None
        link = extract.value(sel, page.next_page)
        if not link:
            return None
        url = response.urljoin(link)
        return url if urlsplit(url).scheme in {"http", "https"} else None

    def _paginate(self, url: str | None, response: TextResponse) -> Iterator[Request]:
        """The next page of results (``url``: ``_next_url`` of this one), within ``max_pages``."""
        page_no = response.meta["page_no"]
        if page_no >= self.max_pages:
            return
        if url:
            yield self.page_request(
                url,
                response.meta["page_type"],
                keyword=response.meta.get("keyword"),
                hops=response.meta["hops"],
                page_no=page_no + 1,
            )


def _merge(first: dict[str, Any], more: dict[str, Any]) -> dict[str, Any]:
    """A listing spread over pages: the first page's fields win, lists and text accumulate."""
    fields = dict(first["fields"])
    for name, value in more["fields"].items():
        if isinstance(value, list) and isinstance(fields.get(name), list):
            fields[name] = [*fields[name], *value]
        else:
            fields.setdefault(name, value)
    merged = dict(first)
    merged["fields"] = fields
    merged["text"] = "\n".join(t for t in (first["text"], more["text"]) if t)
    merged["rendered"] = first.get("rendered") or more.get("rendered")
    return merged


def _redirects(response: Response) -> list[str]:
    """The URLs Scrapy's redirect middlewares went through before this response."""
    return [str(u) for u in response.meta.get("redirect_urls", [])]


def serp_result_key(result_canonical: str, query: str | None) -> str:
    """A search result is one finding per (result URL, query): the landing page is another."""
    return f"{result_canonical}#serp={quote(query or '', safe='')}"
