"""Review decisions on listings: the state machine, the Review row and the audit entry.

Who may take which action in which state is the permission table's say
(``store.permissions``); this module asks it before changing anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from store import (
    Listing,
    ListingStatus,
    Review,
    ReviewAction,
    Role,
    User,
    audit,
    change_listing,
    permissions,
    queue_for_index,
)

DECIDABLE = frozenset({ListingStatus.new, ListingStatus.flagged, ListingStatus.escalated})
REOPENABLE = frozenset({ListingStatus.confirmed, ListingStatus.dismissed, ListingStatus.escalated})
RESULT = {
    ReviewAction.confirm: ListingStatus.confirmed,
    ReviewAction.dismiss: ListingStatus.dismissed,
    ReviewAction.escalate: ListingStatus.escalated,
    ReviewAction.reopen: ListingStatus.flagged,
}


class ReviewError(Exception):
    """The action is not possible on this listing now; ``status_code`` says how the API answers."""

    def __init__(self, message: str, status_code: int = 409) -> None:
        super().__init__(message)
        self.status_code = status_code


def permission_state(session: Session, listing: Listing) -> str:
    """The listing's state as the permission table sees it.

    A confirmed or dismissed listing whose latest decision a supervisor (or
    admin) made is ``supervisor_decided``: only a supervisor reopens it.
    """
    status = listing.status
    if status in (ListingStatus.confirmed, ListingStatus.dismissed):
        decider = session.scalar(
            select(User.role)
            .join(Review, Review.user_id == User.id)
            .where(
                Review.listing_id == listing.id,
                Review.action.in_((ReviewAction.confirm, ReviewAction.dismiss)),
            )
            .order_by(Review.id.desc())
            .limit(1)
        )
        if decider is not None and decider != Role.reviewer:
            return permissions.SUPERVISOR_DECIDED
    return str(status)


@dataclass(frozen=True)
class Decision:
    listing: Listing
    review: Review


def apply_review(
    session: Session,
    listing: Listing,
    user: User,
    action: ReviewAction,
    reason: str = "",
    assignee: str | None = None,
) -> Decision:
    """Take ``action`` on ``listing`` as ``user``; writes a Review and an audit entry (not committed)."""
    reason = reason.strip()
    before = listing.status
    assignee_user: User | None = None
    if action in (ReviewAction.confirm, ReviewAction.dismiss, ReviewAction.escalate):
        if before not in DECIDABLE:
            raise ReviewError(f"listing {listing.id} is {before}; reopen it first")
    elif action == ReviewAction.reopen and before not in REOPENABLE:
        raise ReviewError(
            f"listing {listing.id} is {before}; only decided listings can be reopened"
        )
    try:
        permissions.require(
            user.role, user.username, "listing", str(action), permission_state(session, listing)
        )
    except permissions.NotPermitted as exc:
        raise ReviewError(f"listing {listing.id}: {exc}", 403) from exc
    if action == ReviewAction.dismiss and not reason:
        raise ReviewError("dismissing needs a reason", 422)
    if action == ReviewAction.note:
        if not reason:
            raise ReviewError("a note needs text", 422)
    elif action == ReviewAction.assign:
        if not assignee:
            raise ReviewError("assign needs an assignee username", 422)
        assignee_user = session.scalar(
            select(User).where(User.username == assignee, User.active.is_(True))
        )
        if assignee_user is None:
            raise ReviewError(f"no active user {assignee!r}", 422)
        listing.assigned_to_id = assignee_user.id

    if action in RESULT:
        change_listing(session, listing, status=RESULT[action])
    elif action == ReviewAction.assign:
        queue_for_index(session, [listing.id])  # the index shows who it is assigned to
    review = Review(
        listing_id=listing.id,
        user_id=user.id,
        action=action,
        reason=reason,
        assignee_id=assignee_user.id if assignee_user else None,
    )
    session.add(review)
    session.flush()
    audit.record(
        session,
        user.username,
        f"review.{action}",
        "listing",
        listing.id,
        status_before=str(before),
        status_after=str(listing.status),
        reason=reason,
        assignee=assignee_user.username if assignee_user else None,
        review_id=review.id,
    )
    return Decision(listing, review)
