"""Finding listings for the queue, the REST list and search, shared by API and UI.

A query is the store's one filter model, :class:`store.search.SearchQuery`, built here at
the edge from the query string (:func:`listing_filters`).  Without search words the
database answers (indexed columns); with words the search backend answers (it holds the
same filter fields but the office and the tier) and the rows are then loaded from the
database in the backend's order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Query
from sqlalchemy import String, and_, cast, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from store import Listing, ListingStatus, Platform
from store.search import SearchBackend, SearchQuery, run_search

CATEGORY_RE = re.compile(r"^[a-z_]{1,40}$")
QUEUE_STATUSES = (ListingStatus.flagged,)
"""What awaits a reviewer: flagged listings (the store flags what the classifier finds irregular).
Escalated ones wait for a supervisor and are listed with ``status=escalated``."""
SortParam = Literal["score", "recent", "relevance"]


class FilterError(ValueError):
    """A filter value cannot be used; the message names it."""


Tier = Literal["offer", "watch", "none"]


def listing_filters(
    q: Annotated[str, Query(max_length=200, description="full-text words, all must match")] = "",
    category: Annotated[list[str] | None, Query(description="category key; repeatable")] = None,
    platform: Annotated[list[str] | None, Query(description="platform key; repeatable")] = None,
    severity: Annotated[
        list[str] | None, Query(description="high, medium, low; repeatable")
    ] = None,
    status: Annotated[
        list[ListingStatus] | None, Query(description="review status; repeatable")
    ] = None,
    region: Annotated[list[str] | None, Query(description="region; repeatable")] = None,
    campaign_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    actor_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    since: Annotated[datetime | None, Query(description="last seen at or after (ISO 8601)")] = None,
    until: Annotated[datetime | None, Query(description="last seen before (ISO 8601)")] = None,
    queue: Annotated[
        bool, Query(description="only what awaits a reviewer: flagged listings")
    ] = False,
    sort: Annotated[
        SortParam, Query(description="score (default), recent, relevance (with q)")
    ] = "score",
    office: Annotated[
        str | None,
        Query(
            pattern=r"^\d{6}$",
            description="responsible office code (rules/offices.yaml); a province includes its cities",
        ),
    ] = None,
    tier: Annotated[
        list[Tier] | None,
        Query(
            description="offer (flagged), watch (pushes the practice, no offer), none; repeatable"
        ),
    ] = None,
) -> SearchQuery:
    """The listing query asked by the query string (a FastAPI dependency).

    ``queue`` without ``status`` asks for what awaits a reviewer (:data:`QUEUE_STATUSES`).
    """
    statuses = list(status or []) or (list(QUEUE_STATUSES) if queue else [])
    return SearchQuery(
        text=q.strip(),
        categories=[c for c in (category or []) if c],
        platforms=[p for p in (platform or []) if p],
        severities=[s for s in (severity or []) if s],
        statuses=[str(s) for s in statuses],
        regions=[r for r in (region or []) if r],
        campaign_id=campaign_id,
        actor_id=actor_id,
        since=aware_utc(since),
        until=aware_utc(until),
        sort=sort,
        office=office,
        tiers=[str(t) for t in (tier or [])],
    )


def aware_utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _statuses(query: SearchQuery) -> list[ListingStatus]:
    try:
        return [ListingStatus(s) for s in query.statuses]
    except ValueError as exc:
        raise FilterError(str(exc)) from exc


def _sql_conditions(f: SearchQuery) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if f.statuses:
        conds.append(Listing.status.in_(_statuses(f)))
    if f.platforms:
        conds.append(
            Listing.platform_id.in_(
                select(Platform.id).where(Platform.key.in_(f.platforms)).scalar_subquery()
            )
        )
    if f.severities:
        conds.append(Listing.severity.in_(f.severities))
    if f.tiers:
        conds.append(Listing.tier.in_(f.tiers))
    if f.regions:
        conds.append(Listing.region.in_(f.regions))
    if f.categories:
        for c in f.categories:
            if not CATEGORY_RE.match(c):
                raise FilterError(f"category {c!r} is not a category key")
        # The JSON list as text contains the quoted key; portable across SQLite and PostgreSQL.
        conds.append(
            or_(*(cast(Listing.categories, String).like(f'%"{c}"%') for c in f.categories))
        )
    if f.campaign_id is not None:
        conds.append(Listing.first_campaign_id == f.campaign_id)
    if f.actor_id is not None:
        conds.append(Listing.actor_id == f.actor_id)
    if f.office is not None:
        conds.append(office_condition(f.office))
    if f.since is not None:
        conds.append(Listing.last_seen >= f.since)
    if f.until is not None:
        conds.append(Listing.last_seen < f.until)
    return conds


def office_condition(code: str) -> ColumnElement[bool]:
    """Listings the office is responsible for; a provincial office (code ``PP0000``) also
    sees its cities' (administrative division codes share the province's first two digits)."""
    if code.endswith("0000"):
        return Listing.office_code.like(f"{code[:2]}%")
    return Listing.office_code == code


COUNT_CAP = 1000
"""Totals above this are reported as "at least COUNT_CAP": exact counts of big filtered sets cost a scan."""


@dataclass(frozen=True)
class Found:
    rows: list[tuple[Listing, str]]
    """(listing, platform key) in order."""
    total: int
    backend: str
    total_exact: bool = True


def find_listings(
    session: Session,
    backend: SearchBackend,
    f: SearchQuery,
    *,
    limit: int = 50,
    offset: int = 0,
    userdict: Path | None = None,
) -> Found:
    if f.text and f.tiers:
        raise FilterError("tier cannot be combined with a full-text search (q) yet")
    if f.text:
        if f.office is not None:
            raise FilterError(
                "the office filter cannot be combined with search words yet (the search index "
                "does not hold responsible offices); filter by office without q"
            )
        hits = run_search(
            backend, replace(f, limit=limit, offset=offset, count_limit=COUNT_CAP), userdict
        )
        if not hits.ids:
            return Found([], hits.total, backend.name, hits.exact)
        loaded = {
            listing.id: (listing, key)
            for listing, key in session.execute(
                select(Listing, Platform.key)
                .join(Platform, Platform.id == Listing.platform_id)
                .where(Listing.id.in_(hits.ids))
            )
        }
        return Found(
            [loaded[i] for i in hits.ids if i in loaded], hits.total, backend.name, hits.exact
        )

    conds = _sql_conditions(f)
    order: list[ColumnElement[Any]] = (
        [Listing.last_seen.desc(), Listing.id.desc()]
        if f.sort == "recent"
        else [Listing.score.desc(), Listing.id.desc()]
    )
    stmt = (
        select(Listing, Platform.key)
        .join(Platform, Platform.id == Listing.platform_id)
        .where(*conds)
    )
    rows = [
        (listing, key)
        for listing, key in session.execute(stmt.order_by(*order).limit(limit).offset(offset))
    ]
    capped = select(Listing.id).where(*conds).limit(COUNT_CAP + 1).subquery()
    total = int(session.scalar(select(func.count()).select_from(capped)) or 0)
    if total > COUNT_CAP:
        return Found(rows, COUNT_CAP, "sql", total_exact=False)
    return Found(rows, total, "sql")


def neighbours(session: Session, listing: Listing) -> tuple[int | None, int | None]:
    """The previous and next listing in the review queue's order (score, then id, descending)."""
    conds = _sql_conditions(SearchQuery(statuses=[str(s) for s in QUEUE_STATUSES]))
    before = session.scalar(
        select(Listing.id)
        .where(*conds)
        .where(
            or_(
                Listing.score > listing.score,
                and_(Listing.score == listing.score, Listing.id > listing.id),
            )
        )
        .order_by(Listing.score.asc(), Listing.id.asc())
        .limit(1)
    )
    after = session.scalar(
        select(Listing.id)
        .where(*conds)
        .where(
            or_(
                Listing.score < listing.score,
                and_(Listing.score == listing.score, Listing.id < listing.id),
            )
        )
        .order_by(Listing.score.desc(), Listing.id.desc())
        .limit(1)
    )
    return before, after
