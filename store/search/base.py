"""The search backend contract shared by SQLite FTS5 and Elasticsearch."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, Protocol, runtime_checkable

SortKey = Literal["relevance", "score", "recent"]
FacetField = Literal["category", "platform", "region", "severity", "status"]


class SearchError(Exception):
    """The search index could not answer; the message names the backend and the cause."""


@dataclass(frozen=True)
class SearchDoc:
    """What the index knows of one listing: its tokens and the fields the filters use."""

    listing_id: int
    tokens: list[str]
    platform: str
    status: str
    categories: list[str] = field(default_factory=list)
    severity: str | None = None
    region: str | None = None
    campaign_id: int | None = None
    actor_id: int | None = None
    score: float = 0.0
    irregular: bool = False
    first_seen: datetime | None = None
    last_seen: datetime | None = None


@dataclass(frozen=True)
class SearchQuery:
    """What a listing query asks: full-text words (all must match) plus filters; empty fields do
    not filter.  The one filter model of the API's lists, the queue and the search index."""

    text: str = ""
    categories: list[str] = field(default_factory=list)
    platforms: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    severities: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    campaign_id: int | None = None
    actor_id: int | None = None
    since: datetime | None = None
    """``last_seen`` at or after."""
    until: datetime | None = None
    """``last_seen`` before."""
    sort: SortKey = "relevance"
    limit: int = 50
    offset: int = 0
    count_limit: int | None = None
    """Count matches only up to this many (the total is then a lower bound); None: exact."""
    tiers: list[str] = field(default_factory=list)
    """Listing tiers (offer, watch, none).  The index does not hold them: the database answers."""
    office: str | None = None
    """A responsible office's code (a province includes its cities); the database answers."""


@dataclass(frozen=True)
class SearchHits:
    ids: list[int]
    total: int
    exact: bool = True
    """False when counting stopped at ``count_limit``."""


@dataclass(frozen=True)
class Bucket:
    day: date
    key: str
    count: int


@runtime_checkable
class SearchBackend(Protocol):
    """A search index over listings; ``name`` is ``fts5`` or ``elasticsearch``."""

    name: str

    def index(self, docs: list[SearchDoc]) -> None:
        """Insert or replace these documents."""

    def delete(self, listing_ids: list[int]) -> None: ...

    def clear(self) -> None:
        """Drop every document (before a rebuild)."""

    def count(self) -> int: ...

    def search(self, query: SearchQuery, tokens: list[str]) -> SearchHits:
        """Ids of matching listings in the asked order; ``tokens`` are the query's tokens."""

    def histogram(self, facet: FacetField, query: SearchQuery) -> list[Bucket]:
        """Per day of ``first_seen`` and per facet value: how many listings match ``query``."""

    def terms(self, facet: FacetField, query: SearchQuery, size: int = 20) -> list[tuple[str, int]]:
        """The most frequent values of ``facet`` among listings matching ``query``."""

    def watermark(self) -> tuple[int, datetime | None]:
        """The highest listing id and the latest ``last_seen`` in the index (0, None when empty)."""

    def ping(self) -> bool: ...

    def close(self) -> None: ...
