"""Listings: filtered lists, full-text search, detail with hits, entities, actor and captures."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, status

from api.deps import CurrentUser, PathId, SearchDep, SessionDep, SettingsDep
from api.present import detail, summary
from api.queries import FilterError, find_listings, listing_filters
from api.schemas import ListingDetail, ListingSummary, Page
from store import Listing
from store.search import SearchError, SearchQuery, userdict_path

router = APIRouter(prefix="/api/v1/listings", tags=["listings"])
Filters = Annotated[SearchQuery, Depends(listing_filters)]


@router.get("", response_model=Page[ListingSummary], responses={422: {}, 503: {}})
def list_listings(
    user: CurrentUser,
    session: SessionDep,
    search: SearchDep,
    settings: SettingsDep,
    filters: Filters,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Page[ListingSummary]:
    """Listings matching the filters; with `q`, a full-text search through the search index.

    `queue=true` gives what awaits a reviewer (flagged listings), highest score first;
    escalated listings wait for a supervisor (`status=escalated`).
    """
    try:
        found = find_listings(
            session, search, filters, limit=limit, offset=offset, userdict=userdict_path(settings)
        )
    except FilterError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    except SearchError as exc:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, f"search unavailable: {exc}"
        ) from exc
    return Page[ListingSummary](
        items=[summary(listing, key) for listing, key in found.rows],
        total=found.total,
        limit=limit,
        offset=offset,
        total_exact=found.total_exact,
    )


@router.get("/{listing_id}", response_model=ListingDetail, responses={404: {}})
def get_listing(listing_id: PathId, user: CurrentUser, session: SessionDep) -> ListingDetail:
    """One listing: its versions, the current classification's rule hits (offsets into
    `title + "\\n" + text` of the current version) and entities, the actor behind it with
    their other listings, evidence captures with hashes and verification state, and reviews."""
    listing = session.get(Listing, listing_id)
    if listing is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no listing {listing_id}")
    return detail(session, listing)
