"""The sandbox's world: platforms and the pages they serve, as plain data.

The generator (:mod:`sandbox.generate`) builds a :class:`World` from a seed; the
renderers turn its pages into HTML and the truth module into JSON Lines.  Paths
are relative to a platform's base URL, so one world can be served on any port.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

CATEGORIES: tuple[str, ...] = (
    "guaranteed_grant",
    "abnormal_patent",
    "certificate_renting",
    "unlicensed_agency",
    "trademark_malicious",
    "false_claims",
)

SEARCH = "sousou"
MARKET = "taobaobei"
FORUM = "zhiquanba"
PLATFORM_KEYS: tuple[str, ...] = (SEARCH, MARKET, FORUM)

PageKind = Literal["landing", "listing", "thread", "shop"]
Fault = Literal["slow", "transient_500", "transient_429", "error_500", "not_found"]
#: Faults after which the page still answers 200 (retries or patience needed).
RECOVERABLE_FAULTS: frozenset[str] = frozenset({"slow", "transient_500", "transient_429"})


@dataclass(frozen=True)
class PlatformInfo:
    key: str
    name: str
    kind: Literal["search", "marketplace", "forum"]
    offset: int  # port = base_port + offset


PLATFORMS: dict[str, PlatformInfo] = {
    SEARCH: PlatformInfo(SEARCH, "搜搜", "search", 0),
    MARKET: PlatformInfo(MARKET, "淘宝贝", "marketplace", 1),
    FORUM: PlatformInfo(FORUM, "知识产权吧", "forum", 2),
}


@dataclass
class Text:
    """A generated text and what it really says (before rendering)."""

    title: str
    paragraphs: list[str]
    categories: list[str] = field(default_factory=list)
    disguises: list[str] = field(default_factory=list)
    genre: str = ""  # e.g. "ad", "seo_qa", "news", "licensed_agency"
    search_terms: str = ""  # undisguised words a search engine would index

    @property
    def irregular(self) -> bool:
        return bool(self.categories)

    @property
    def body(self) -> str:
        return "\n".join(self.paragraphs)


@dataclass
class Page:
    """Anything in the ground truth: one URL a spider may store as a listing."""

    id: str
    platform: str
    kind: PageKind
    path: str
    text: Text
    encoding: str = "utf-8"
    #: the charset name the page declares when it differs from ``encoding`` (``gb2312`` on GBK bytes)
    charset_label: str = ""
    charset_in: Literal["header", "meta", "both"] = "both"
    robots_disallowed: bool = False
    fault: Fault | None = None
    redirect_from: list[str] = field(default_factory=list)
    removed_style: Literal["notice", "404"] = "notice"
    claim_location: Literal["title", "body", "banner", "reply", "shop", "none"] = "none"
    extra_categories: list[str] = field(default_factory=list)  # from banner/replies

    @property
    def categories(self) -> list[str]:
        cats = list(self.text.categories)
        for cat in self.extra_categories:
            if cat not in cats:
                cats.append(cat)
        return cats

    @property
    def irregular(self) -> bool:
        return bool(self.categories)

    @property
    def declared_charset(self) -> str:
        return self.charset_label or self.encoding

    @property
    def reachable(self) -> bool:
        return not self.robots_disallowed and self.fault not in ("error_500", "not_found")


@dataclass
class Site:
    """A website found through the search engine (served under /site/<slug>/)."""

    slug: str
    name: str
    domain: str
    genre: str
    banner: str
    footer: str
    banner_categories: list[str] = field(default_factory=list)
    pages: list[LandingPage] = field(default_factory=list)


@dataclass
class LandingPage(Page):
    site: Site | None = None
    date: str = ""
    source: str = ""


@dataclass
class Shop(Page):
    name: str = ""
    seller: str = ""
    region: str = ""
    licence: str = ""  # licence line shown on the shop page, "" if none
    items: list[Item] = field(default_factory=list)


@dataclass
class Item(Page):
    shop: Shop | None = None
    price: float = 0.0
    sales: int = 0
    seller: str = ""
    region: str = ""
    js_mode: Literal["inline", "fetch"] = "inline"
    legacy_id: int = 0


@dataclass
class Post:
    floor: int
    author: str
    time: str
    content: str
    categories: list[str] = field(default_factory=list)


@dataclass
class Board:
    id: str
    name: str
    intro: str
    threads: list[Thread] = field(default_factory=list)


@dataclass
class Thread(Page):
    board: Board | None = None
    posts: list[Post] = field(default_factory=list)

    @property
    def author(self) -> str:
        return self.posts[0].author if self.posts else ""


@dataclass
class World:
    seed: int
    sites: list[Site]
    shops: list[Shop]
    items: list[Item]
    boards: list[Board]
    threads: list[Thread]
    stubs: list[Page]  # links that answer 404 or 500 forever
    #: pages indexed by the search engine, in index order
    search_index: list[Page]

    def pages(self) -> list[Page]:
        """Every page in the truth, in a stable order."""
        out: list[Page] = []
        for site in self.sites:
            out.extend(site.pages)
        out.extend(self.shops)
        out.extend(self.items)
        out.extend(self.threads)
        out.extend(self.stubs)
        return out

    def by_platform(self, platform: str) -> list[Page]:
        return [p for p in self.pages() if p.platform == platform]
