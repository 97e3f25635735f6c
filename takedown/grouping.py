"""Turn confirmed findings into draft notices: one per platform and shop (or seller)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store import (
    Listing,
    ListingStatus,
    NoticeStatus,
    Platform,
    TakedownItem,
    TakedownNotice,
    audit,
    permissions,
    utcnow,
)
from takedown.document import one_line, shop_findings
from takedown.errors import PermissionDenied
from takedown.workflow import Actor, actor_name

NO_SHOP = ""
DEFAULT_CLOSE_SHOP_THRESHOLD = 3
"""Confirmed findings by one actor (or shop) on one platform before a notice asks to close the shop;
``settings.takedown_close_shop_threshold`` overrides it."""


@dataclass(frozen=True)
class DraftResult:
    created: list[TakedownNotice]
    extended: list[TakedownNotice]
    listings: int

    @property
    def notices(self) -> list[TakedownNotice]:
        return [*self.created, *self.extended]


def group_key(listing: Listing) -> tuple[int, str]:
    """Platform and the shop, else the seller, else one bucket for the platform's loose listings."""
    return listing.platform_id, one_line(listing.shop) or one_line(listing.seller) or NO_SHOP


def pending_listings(session: Session, platform_key: str | None = None) -> list[Listing]:
    """Confirmed, still-online listings that no notice covers yet."""
    covered = select(TakedownItem.listing_id)
    query = (
        select(Listing)
        .where(
            Listing.status == ListingStatus.confirmed,
            Listing.online.is_(True),
            Listing.id.not_in(covered),
        )
        .order_by(Listing.id)
    )
    if platform_key is not None:
        query = query.join(Platform, Platform.id == Listing.platform_id).where(
            Platform.key == platform_key
        )
    return list(session.scalars(query))


def _open_draft(session: Session, platform_id: int, shop: str) -> TakedownNotice | None:
    return session.scalar(
        select(TakedownNotice)
        .where(
            TakedownNotice.platform_id == platform_id,
            TakedownNotice.shop == (shop or None),
            TakedownNotice.status == NoticeStatus.draft,
        )
        .order_by(TakedownNotice.id)
        .limit(1)
    )


def draft_notices(
    session: Session,
    actor: Actor,
    *,
    platform_key: str | None = None,
    now: datetime | None = None,
    close_shop_threshold: int = DEFAULT_CLOSE_SHOP_THRESHOLD,
) -> DraftResult:
    """Group pending confirmed listings into draft notices (adding to an open draft of the same shop).

    A notice about a named shop asks the platform to close it when the actors
    behind it (or the shop itself) have ``close_shop_threshold`` or more
    confirmed findings on that platform, counting earlier notices' listings.
    """
    if not isinstance(actor, str):
        try:
            permissions.require(actor.role, actor.username, "notice", "create")
        except permissions.NotPermitted as exc:
            raise PermissionDenied(str(exc)) from exc
    now = now or utcnow()
    groups: dict[tuple[int, str], list[Listing]] = defaultdict(list)
    listings = pending_listings(session, platform_key)
    for listing in listings:
        groups[group_key(listing)].append(listing)
    created: list[TakedownNotice] = []
    extended: list[TakedownNotice] = []
    for (platform_id, shop), members in sorted(groups.items()):
        notice = _open_draft(session, platform_id, shop)
        if notice is None:
            notice = TakedownNotice(
                reference=f"pending-{platform_id}-{len(created)}-{now.timestamp()}",
                platform_id=platform_id,
                shop=shop or None,
                status=NoticeStatus.draft,
                created_by_id=None if isinstance(actor, str) else actor.id,
                created_at=now,
            )
            session.add(notice)
            session.flush()
            notice.reference = f"TD-{now:%Y%m%d}-{notice.id:05d}"
            created.append(notice)
            action = "takedown.draft"
        else:
            extended.append(notice)
            action = "takedown.extend"
        for listing in members:
            session.add(TakedownItem(notice_id=notice.id, listing_id=listing.id))
        session.flush()
        session.refresh(notice)
        findings = shop_findings(session, notice) if notice.shop else 0
        notice.close_shop = bool(notice.shop) and findings >= close_shop_threshold
        audit.record(
            session,
            actor_name(actor),
            action,
            "takedown_notice",
            notice.id,
            reference=notice.reference,
            listing_ids=[listing.id for listing in members],
            close_shop=notice.close_shop,
            shop_findings=findings,
        )
    session.flush()
    return DraftResult(created=created, extended=extended, listings=len(listings))
