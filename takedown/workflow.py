"""A notice's life: draft -> approved -> sent -> acknowledged -> removed / partly_removed / refused.

Every change is checked against :data:`TRANSITIONS` and against the
permission table (``store.permissions``: a supervisor or admin approves,
withdraws an approval and sends), stamped with its date and who made it, and
appended to the audit log.  Only an approved notice can be marked sent.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store import (
    ItemStatus,
    ListingStatus,
    NoticeStatus,
    TakedownNotice,
    User,
    audit,
    change_listing,
    permissions,
    utcnow,
)
from takedown.errors import (
    InvalidTransition,
    NoticeNotFound,
    PermissionDenied,
    TakedownError,
    UnknownUser,
)
from takedown.platforms import PlatformRegistry, default_registry

Actor = User | str
"""A user, or ``"system:<component>"`` for automatic changes (re-checks)."""

TRANSITIONS: dict[NoticeStatus, frozenset[NoticeStatus]] = {
    NoticeStatus.draft: frozenset({NoticeStatus.approved}),
    NoticeStatus.approved: frozenset({NoticeStatus.sent, NoticeStatus.draft}),
    NoticeStatus.sent: frozenset(
        {
            NoticeStatus.acknowledged,
            NoticeStatus.removed,
            NoticeStatus.partly_removed,
            NoticeStatus.refused,
        }
    ),
    NoticeStatus.acknowledged: frozenset(
        {NoticeStatus.removed, NoticeStatus.partly_removed, NoticeStatus.refused}
    ),
    NoticeStatus.partly_removed: frozenset({NoticeStatus.removed, NoticeStatus.refused}),
    # a removed listing came back online (re-check): the notice reopens
    NoticeStatus.removed: frozenset({NoticeStatus.partly_removed}),
    NoticeStatus.refused: frozenset(),
}
OPEN_STATUSES = frozenset(
    {NoticeStatus.sent, NoticeStatus.acknowledged, NoticeStatus.partly_removed}
)
"""Notices the platform still has to act on: these are re-checked."""
_ORDER = list(NoticeStatus)


def actor_name(actor: Actor) -> str:
    return actor if isinstance(actor, str) else actor.username


def find_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        raise UnknownUser(f"no active user {username!r}")
    return user


def find_notice(session: Session, ref: str | int) -> TakedownNotice:
    """A notice by reference (``TD-...``) or numeric id."""
    notice = None
    text = str(ref)
    if text.isdigit():
        notice = session.get(TakedownNotice, int(text))
    if notice is None:
        notice = session.scalar(select(TakedownNotice).where(TakedownNotice.reference == text))
    if notice is None:
        raise NoticeNotFound(f"no takedown notice {text!r}")
    return notice


def allowed_targets(status: NoticeStatus) -> list[str]:
    return [s.value for s in _ORDER if s in TRANSITIONS[status]]


def check_permission(notice: TakedownNotice, target: NoticeStatus, actor: Actor) -> None:
    """Refuse unless the permission table lets ``actor`` move the notice to ``target``.

    A user is checked by role.  A system actor (re-checks, tools) records
    outcomes and sends, but never approves: approval is a person's decision.
    """
    if not isinstance(actor, User):
        if target is NoticeStatus.approved:
            raise PermissionDenied(
                f"approving notice {notice.reference} needs a supervisor or admin; "
                f"{actor!r} is not a user"
            )
        return
    try:
        permissions.require(actor.role, actor.username, "notice", target.value, notice.status.value)
    except permissions.NotPermitted as exc:
        raise PermissionDenied(f"notice {notice.reference}: {exc}") from exc


def transition(
    session: Session,
    notice: TakedownNotice,
    target: NoticeStatus,
    actor: Actor,
    *,
    at: datetime | None = None,
    note: str = "",
    registry: PlatformRegistry | None = None,
) -> TakedownNotice:
    """Move ``notice`` to ``target`` or raise :class:`InvalidTransition` / :class:`PermissionDenied`."""
    current = notice.status
    if target not in TRANSITIONS[current]:
        raise InvalidTransition(
            notice.reference, current.value, target.value, allowed_targets(current)
        )
    if isinstance(actor, User) and not actor.active:
        raise PermissionDenied(f"user {actor.username!r} is not active")
    check_permission(notice, target, actor)
    at = at or utcnow()
    if target is NoticeStatus.approved:
        assert isinstance(actor, User)  # check_permission refuses system actors
        if not notice.items:
            raise TakedownError(
                f"notice {notice.reference} lists no listings; there is nothing to approve"
            )
        from takedown.document import resolve_channel
        from takedown.workdays import deadline_after

        days = resolve_channel(notice, registry or default_registry()).channel.deadline_days
        notice.approved_by_id = actor.id
        notice.approved_at = at
        notice.deadline = deadline_after(at, days)[0]
    elif target is NoticeStatus.draft:
        notice.approved_by_id = None
        notice.approved_at = None
        notice.deadline = None
    elif target is NoticeStatus.sent:
        notice.sent_at = at
    elif target is NoticeStatus.acknowledged:
        notice.acknowledged_at = at
    else:
        notice.closed_at = at if target in (NoticeStatus.removed, NoticeStatus.refused) else None
        if target is NoticeStatus.removed:
            _mark_items_removed(session, notice, at)
        if target is not NoticeStatus.partly_removed:
            notice.escalation_due = False
    notice.status = target
    audit.record(
        session,
        actor_name(actor),
        f"takedown.{target.value}",
        "takedown_notice",
        notice.id,
        reference=notice.reference,
        previous=current.value,
        status=target.value,
        at=at.isoformat(),
        note=note,
    )
    session.flush()
    return notice


def _mark_items_removed(session: Session, notice: TakedownNotice, at: datetime) -> None:
    for item in notice.items:
        if item.status is not ItemStatus.removed:
            item.status = ItemStatus.removed
            item.removed_at = at
        listing = item.listing
        if listing.online or listing.status is not ListingStatus.removed:
            change_listing(
                session,
                listing,
                status=ListingStatus.removed,
                online=False,
                removed_at=listing.removed_at or item.removed_at or at,
            )


def approve(
    session: Session,
    notice: TakedownNotice,
    user: User,
    *,
    at: datetime | None = None,
    note: str = "",
) -> TakedownNotice:
    return transition(session, notice, NoticeStatus.approved, user, at=at, note=note)


def mark_sent(
    session: Session,
    notice: TakedownNotice,
    actor: Actor,
    *,
    at: datetime | None = None,
    note: str = "",
) -> TakedownNotice:
    return transition(session, notice, NoticeStatus.sent, actor, at=at, note=note)


def acknowledge(
    session: Session,
    notice: TakedownNotice,
    actor: Actor,
    *,
    at: datetime | None = None,
    note: str = "",
) -> TakedownNotice:
    return transition(session, notice, NoticeStatus.acknowledged, actor, at=at, note=note)
