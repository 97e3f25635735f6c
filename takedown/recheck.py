"""Did the platform act?  Re-fetch a sent notice's listings, record each check, close the loop.

The scheduler calls :func:`recheck_due` on an interval; the CLI and API call
:func:`recheck_notice` for one notice.  Each still-pending listing is fetched
(httpx, SSRF-guarded), judged against the platform's removal signals, captured
again as evidence when a recapturer is given, and written as a
``TakedownCheck``.  A notice whose listings are all gone becomes ``removed``,
some gone ``partly_removed``; one past its deadline with listings still online
is flagged ``escalation_due``.

Removed listings stay watched for :data:`REAPPEARANCE_WATCH` after removal: a
listing that comes back online reopens its notice (``removed`` becomes
``partly_removed`` again, so the deadline and escalation apply), goes back to
the review status ``confirmed``, and raises an alert (audit log and the
configured webhooks).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from evidence import EvidenceError
from store import (
    ItemStatus,
    Listing,
    ListingStatus,
    NoticeStatus,
    TakedownCheck,
    TakedownItem,
    TakedownNotice,
    audit,
    change_listing,
    utcnow,
)
from takedown.capture import BrowserRecapturer, Recapturer, store_capture
from takedown.config import TakedownSettings
from takedown.document import resolve_channel
from takedown.fetch import Verdict, fetch_and_judge
from takedown.pinned import PinnedTransport
from takedown.platforms import PlatformRegistry, RemovalSignals, default_registry
from takedown.workflow import OPEN_STATUSES, transition

log = logging.getLogger(__name__)
SYSTEM_ACTOR = "system:takedown-recheck"
REAPPEARANCE_WATCH = timedelta(days=90)
"""How long after removal a listing is still fetched to catch it coming back."""


@dataclass(frozen=True)
class ItemCheck:
    item_id: int
    listing_id: int
    url: str
    verdict: Verdict
    http_status: int | None
    detail: str
    capture_uid: str | None


@dataclass
class RecheckReport:
    reference: str
    status: str = ""
    escalation_due: bool = False
    checks: list[ItemCheck] = field(default_factory=list)
    reappeared: list[int] = field(default_factory=list)
    """Listings that were removed and are online again."""
    shop_online: list[int] | None = None
    """For a notice asking to close the shop: the shop's listings on the platform still online
    (the notice's own and any crawled since), so a "closed" shop that still trades shows."""

    def count(self, verdict: Verdict) -> int:
        return sum(1 for c in self.checks if c.verdict is verdict)

    def as_dict(self) -> dict[str, object]:
        return {
            "reference": self.reference,
            "status": self.status,
            "escalation_due": self.escalation_due,
            "removed": self.count(Verdict.removed),
            "online": self.count(Verdict.online),
            "inconclusive": self.count(Verdict.inconclusive),
            "reappeared": list(self.reappeared),
            "shop_online": self.shop_online,
            "checks": [
                {
                    "listing_id": c.listing_id,
                    "url": c.url,
                    "verdict": c.verdict.value,
                    "http_status": c.http_status,
                    "detail": c.detail,
                    "capture_uid": c.capture_uid,
                }
                for c in self.checks
            ],
        }


def _client(settings: TakedownSettings) -> httpx.Client:
    return httpx.Client(
        follow_redirects=False,
        timeout=settings.takedown_recheck_timeout_s,
        trust_env=False,
        transport=PinnedTransport(settings.allow_private_networks),
    )


def _recapture(
    recapturer: Recapturer | None, session: Session, item: TakedownItem
) -> tuple[int | None, str | None, str]:
    if recapturer is None:
        return None, None, ""
    try:
        stored = recapturer.capture(item.listing.url, item.listing.canonical_url)
    except EvidenceError as exc:
        log.warning("re-check capture of %s failed: %s", item.listing.url, exc)
        return None, None, f"; capture failed: {exc}"
    row = store_capture(session, item.listing_id, stored)
    return row.id, stored.capture_uid, ""


def _apply(session: Session, item: TakedownItem, verdict: Verdict, at: datetime) -> bool:
    """Record the verdict on the item and its listing; True when a removed listing is back."""
    item.last_checked_at = at
    listing = item.listing
    if verdict is Verdict.online and item.status is ItemStatus.removed:
        item.status = ItemStatus.online
        change_listing(session, listing, status=ListingStatus.confirmed, online=True)
        return True
    if verdict is Verdict.removed:
        item.status = ItemStatus.removed
        item.removed_at = at
        change_listing(
            session,
            listing,
            status=ListingStatus.removed,
            online=False,
            removed_at=listing.removed_at or at,
        )
    elif verdict is Verdict.online:
        item.status = ItemStatus.online
        change_listing(session, listing, online=True)
    return False


def _shop_online(session: Session, notice: TakedownNotice) -> list[int]:
    """Listings of the notice's shop on its platform that are online as last seen or checked."""
    return list(
        session.scalars(
            select(Listing.id)
            .where(
                Listing.platform_id == notice.platform_id,
                Listing.shop == notice.shop,
                Listing.online.is_(True),
            )
            .order_by(Listing.id)
        )
    )


def _watched(notice: TakedownNotice, now: datetime) -> bool:
    """Open notices, and removed ones still within the reappearance watch."""
    if notice.status in OPEN_STATUSES:
        return True
    return (
        notice.status is NoticeStatus.removed
        and notice.closed_at is not None
        and now - notice.closed_at <= REAPPEARANCE_WATCH
    )


def _alert(settings: TakedownSettings, payload: dict[str, object]) -> None:
    """Tell the configured webhooks; a failing hook is logged, never fatal to the re-check."""
    from evidence import WebhookError, post_webhook

    for url in settings.alert_webhook_urls:
        try:
            post_webhook(url, payload, allow_private=settings.allow_private_networks)
        except (WebhookError, httpx.HTTPError, OSError) as exc:
            log.warning("reappearance alert to %s failed: %s", url, exc)


def _settle_notice(session: Session, notice: TakedownNotice, at: datetime, actor: str) -> None:
    statuses = [item.status for item in notice.items]
    removed = sum(1 for s in statuses if s is ItemStatus.removed)
    target: NoticeStatus | None = None
    if statuses and removed == len(statuses):
        target = NoticeStatus.removed
    elif notice.status is NoticeStatus.removed:
        target = NoticeStatus.partly_removed  # a removed listing is back: the notice reopens
    elif removed and notice.status in (NoticeStatus.sent, NoticeStatus.acknowledged):
        target = NoticeStatus.partly_removed
    if target is not None and target is not notice.status:
        transition(
            session,
            notice,
            target,
            actor,
            at=at,
            note=f"re-check: {removed}/{len(statuses)} removed",
        )
    still_online = any(s is not ItemStatus.removed for s in statuses)
    overdue = notice.deadline is not None and at > notice.deadline
    flag = bool(still_online and overdue and notice.status in OPEN_STATUSES)
    if flag and not notice.escalation_due:
        audit.record(
            session,
            actor,
            "takedown.escalation_due",
            "takedown_notice",
            notice.id,
            reference=notice.reference,
            deadline=notice.deadline.isoformat() if notice.deadline else None,
            online=len(statuses) - removed,
        )
    notice.escalation_due = flag


def _check_item(
    session: Session,
    http: httpx.Client,
    notice: TakedownNotice,
    item: TakedownItem,
    signals: RemovalSignals,
    settings: TakedownSettings,
    recapturer: Recapturer | None,
    now: datetime | None,
    actor: str,
    report: RecheckReport,
) -> None:
    """Fetch one listing of the notice, judge it, record the check and what changed."""
    listing = item.listing
    outcome = fetch_and_judge(
        http,
        listing.url,
        signals,
        allow_private_networks=settings.allow_private_networks,
        listing_title=listing.title,
    )
    at = now or utcnow()
    capture_id, capture_uid, note = (
        _recapture(recapturer, session, item)
        if outcome.verdict is not Verdict.inconclusive
        else (None, None, "")
    )
    if _apply(session, item, outcome.verdict, at):
        report.reappeared.append(listing.id)
        notice.reopened_at = at
        audit.record(
            session, actor, "takedown.reappeared", "listing", listing.id,
            notice=notice.reference, removed_at=listing.removed_at.isoformat()
            if listing.removed_at else None, url=listing.url,
        )  # fmt: skip
    session.add(
        TakedownCheck(
            item_id=item.id,
            checked_at=at,
            online=outcome.verdict is not Verdict.removed,
            http_status=outcome.http_status,
            capture_id=capture_id,
            detail=f"{outcome.verdict.value}: {outcome.detail}{note}",
        )
    )
    report.checks.append(
        ItemCheck(
            item.id,
            listing.id,
            listing.url,
            outcome.verdict,
            outcome.http_status,
            outcome.detail + note,
            capture_uid,
        )
    )


def recheck_notice(
    session: Session,
    notice: TakedownNotice,
    settings: TakedownSettings,
    *,
    client: httpx.Client | None = None,
    recapturer: Recapturer | None = None,
    registry: PlatformRegistry | None = None,
    now: datetime | None = None,
    actor: str = SYSTEM_ACTOR,
) -> RecheckReport:
    """Check every listing of ``notice`` (removed ones too, to catch them coming back);
    update items, listings and the notice."""
    if not _watched(notice, now or utcnow()):
        raise ValueError(
            f"notice {notice.reference} is {notice.status.value}; only sent, acknowledged or "
            "partly removed notices, and removed ones within the reappearance watch, are re-checked"
        )
    registry = registry or default_registry()
    signals = resolve_channel(notice, registry).removal_signals
    own_client = client is None
    http = client or _client(settings)
    report = RecheckReport(reference=notice.reference)
    try:
        for item in sorted(notice.items, key=lambda i: i.id):
            _check_item(
                session, http, notice, item, signals, settings, recapturer, now, actor, report
            )
    finally:
        if own_client:
            http.close()
    at = now or utcnow()
    audit.record(
        session,
        actor,
        "takedown.recheck",
        "takedown_notice",
        notice.id,
        reference=notice.reference,
        removed=report.count(Verdict.removed),
        online=report.count(Verdict.online),
        inconclusive=report.count(Verdict.inconclusive),
    )
    if notice.close_shop and notice.shop:
        report.shop_online = _shop_online(session, notice)
    audit_shop = {"shop_online": report.shop_online} if report.shop_online is not None else {}
    if audit_shop:
        audit.record(session, actor, "takedown.shop_check", "takedown_notice", notice.id,
                     reference=notice.reference, shop=notice.shop, **audit_shop)  # fmt: skip
    _settle_notice(session, notice, at, actor)
    session.flush()
    if report.reappeared:
        _alert(settings, {"event": "takedown.reappeared", "notice": notice.reference,
                          "listings": report.reappeared, "status": notice.status.value})  # fmt: skip
    report.status = notice.status.value
    report.escalation_due = notice.escalation_due
    return report


def due_notices(
    session: Session, settings: TakedownSettings, now: datetime
) -> list[TakedownNotice]:
    """Watched notices (open, or removed within the reappearance watch) with a listing whose
    last check is older than the re-check age."""
    cutoff = now - timedelta(seconds=settings.takedown_recheck_age_s)
    notices = session.scalars(
        select(TakedownNotice)
        .where(TakedownNotice.status.in_([*OPEN_STATUSES, NoticeStatus.removed]))
        .order_by(TakedownNotice.id)
    ).all()
    return [
        n
        for n in notices
        if _watched(n, now)
        and any(i.last_checked_at is None or i.last_checked_at <= cutoff for i in n.items)
    ]


def recheck_due(
    session: Session,
    settings: TakedownSettings,
    *,
    now: datetime | None = None,
    client: httpx.Client | None = None,
    recapturer: Recapturer | None = None,
    registry: PlatformRegistry | None = None,
) -> list[RecheckReport]:
    """Re-check every due notice (the scheduler's job); flags overdue notices even when not due.

    Without a ``recapturer``, one browser is started for the batch when
    ``settings.takedown_recheck_capture`` is on and a Chromium is configured.
    """
    now = now or utcnow()
    notices = due_notices(session, settings, now)
    own_capturer = (
        recapturer is None
        and bool(notices)
        and settings.takedown_recheck_capture
        and bool(settings.chromium_path)
    )
    capturer = BrowserRecapturer(settings) if own_capturer else recapturer
    reports = []
    try:
        for notice in notices:
            reports.append(
                recheck_notice(
                    session,
                    notice,
                    settings,
                    client=client,
                    recapturer=capturer,
                    registry=registry,
                    now=now,
                )
            )
    finally:
        if own_capturer and capturer is not None:
            capturer.close()
    checked = {n.id for n in notices}
    for notice in session.scalars(
        select(TakedownNotice).where(TakedownNotice.status.in_(OPEN_STATUSES))
    ):
        if notice.id not in checked:
            _settle_notice(session, notice, now, SYSTEM_ACTOR)
    session.flush()
    return reports
