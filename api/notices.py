"""Takedown notices as the API and the review UI show them, and the errors they answer with."""

from __future__ import annotations

from fastapi import HTTPException
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.schemas import CheckOut, ItemOut, NoticeDetail, NoticeOut
from store import NoticeStatus, Platform, TakedownNotice, User
from takedown import (
    InvalidTransition,
    NoticeNotFound,
    PermissionDenied,
    TakedownError,
    allowed_targets,
    find_notice,
    transition,
)


def notice_out(notice: TakedownNotice) -> NoticeOut:
    return NoticeOut(
        reference=notice.reference,
        platform=notice.platform.key,
        shop=notice.shop,
        status=notice.status.value,
        items=len(notice.items),
        removed=sum(1 for i in notice.items if i.status.value == "removed"),
        created_at=notice.created_at,
        approved_at=notice.approved_at,
        sent_at=notice.sent_at,
        acknowledged_at=notice.acknowledged_at,
        closed_at=notice.closed_at,
        deadline=notice.deadline,
        escalation_due=notice.escalation_due,
        next=allowed_targets(notice.status),
        close_shop=notice.close_shop,
        escalated_at=notice.escalated_at,
        reopened_at=notice.reopened_at,
    )


def notice_detail(notice: TakedownNotice) -> NoticeDetail:
    items = []
    for item in sorted(notice.items, key=lambda i: i.id):
        checks = item.checks
        items.append(
            ItemOut(
                listing_id=item.listing_id,
                url=item.listing.url,
                title=item.listing.title,
                shop=item.listing.shop,
                status=item.status.value,
                last_checked_at=item.last_checked_at,
                removed_at=item.removed_at,
                checks=[
                    CheckOut(
                        checked_at=c.checked_at,
                        online=c.online,
                        http_status=c.http_status,
                        detail=c.detail,
                    )
                    for c in checks
                ],
            )
        )
    return NoticeDetail(**notice_out(notice).model_dump(), listings=items)


def notice_or_404(session: Session, reference: str) -> TakedownNotice:
    try:
        return find_notice(session, reference)
    except NoticeNotFound as exc:
        raise HTTPException(404, str(exc)) from exc


def move_notice(
    session: Session, notice: TakedownNotice, target: NoticeStatus, user: User, note: str
) -> None:
    try:
        transition(session, notice, target, user, note=note)
    except PermissionDenied as exc:
        raise HTTPException(403, str(exc)) from exc
    except (InvalidTransition, TakedownError) as exc:
        raise HTTPException(409, str(exc)) from exc


def query_notices(
    session: Session, status: NoticeStatus | None, platform: str | None
) -> list[TakedownNotice]:
    query = select(TakedownNotice).order_by(TakedownNotice.id.desc())
    if status is not None:
        query = query.where(TakedownNotice.status == status)
    if platform:
        query = query.join(Platform).where(Platform.key == platform)
    return list(session.scalars(query))
