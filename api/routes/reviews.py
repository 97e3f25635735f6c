"""Review actions on listings, one at a time or in bulk."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request

from api.actors import office_on_confirm
from api.deps import CurrentUser, PathId, SearchDep, SessionDep, SettingsDep
from api.present import reviews
from api.reviewing import ReviewError, apply_review
from api.schemas import BulkReviewIn, BulkReviewResult, ReviewIn, ReviewOut, ReviewResult
from store import Listing, ReviewAction
from store.search import index_listings

router = APIRouter(prefix="/api/v1", tags=["reviews"])


def _count(request: Request, action: str, n: int = 1) -> None:
    request.app.state.metrics.reviews.labels(action).inc(n)


@router.get("/listings/{listing_id}/reviews", response_model=list[ReviewOut], responses={404: {}})
def list_reviews(listing_id: PathId, user: CurrentUser, session: SessionDep) -> list[ReviewOut]:
    """The review history of a listing, newest first."""
    if session.get(Listing, listing_id) is None:
        raise HTTPException(404, f"no listing {listing_id}")
    return reviews(session, listing_id)


@router.post(
    "/listings/{listing_id}/reviews",
    response_model=ReviewResult,
    status_code=201,
    responses={403: {}, 404: {}, 409: {}, 422: {}},
)
def review_listing(
    listing_id: PathId,
    body: ReviewIn,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    search: SearchDep,
    settings: SettingsDep,
) -> ReviewResult:
    """Confirm, dismiss (with a reason), escalate, assign (to a username), note or reopen a listing.

    Escalated listings are decided by a supervisor or admin.
    """
    listing = session.get(Listing, listing_id)
    if listing is None:
        raise HTTPException(404, f"no listing {listing_id}")
    try:
        decision = apply_review(session, listing, user, body.action, body.reason, body.assignee)
    except ReviewError as exc:
        raise HTTPException(exc.status_code, str(exc)) from exc
    if body.action == ReviewAction.confirm:
        office_on_confirm(
            session, settings.rules_dir, user.office_code or settings.office_code, [listing.id]
        )
    session.commit()
    index_listings(session, [listing.id], backend=search, settings=settings)
    _count(request, str(body.action))
    return ReviewResult(listing_id=listing.id, status=listing.status, review_id=decision.review.id)


@router.post("/reviews/bulk", response_model=BulkReviewResult, responses={422: {}})
def review_bulk(
    body: BulkReviewIn,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    search: SearchDep,
    settings: SettingsDep,
) -> BulkReviewResult:
    """Apply one action to many listings; each listing succeeds or fails on its own."""
    results: list[ReviewResult] = []
    errors: dict[int, str] = {}
    for listing_id in dict.fromkeys(body.listing_ids):
        listing = session.get(Listing, listing_id)
        if listing is None:
            errors[listing_id] = "no such listing"
            continue
        try:  # apply_review checks everything before it changes anything
            decision = apply_review(session, listing, user, body.action, body.reason, body.assignee)
        except ReviewError as exc:
            errors[listing_id] = str(exc)
            continue
        results.append(
            ReviewResult(listing_id=listing.id, status=listing.status, review_id=decision.review.id)
        )
    if body.action == ReviewAction.confirm:
        office_on_confirm(
            session,
            settings.rules_dir,
            user.office_code or settings.office_code,
            [r.listing_id for r in results],
        )
    session.commit()
    index_listings(session, [r.listing_id for r in results], backend=search, settings=settings)
    _count(request, str(body.action), len(results))
    return BulkReviewResult(results=results, errors=errors)
