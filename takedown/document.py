"""What a notice says, as plain data: built once from the store, rendered by every exporter.

Everything here is derived from stored rows only (never the clock), so the same
notice gives the same document and every export of it is byte-identical.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from store import EvidenceCapture, Listing, ListingStatus, TakedownNotice, User
from takedown.categories import CategoryCatalog, default_catalog
from takedown.errors import ExportError
from takedown.platforms import PlatformRegistry, ResolvedChannel, default_registry

OFFER_SUMMARY_CHARS = 160

CITATION_SEPARATOR = "；"
CLOSE_SHOP_ACTION = "close_shop"
ESCALATION_WORKING_DAYS = 3
CONFIRMED_FINDINGS = (ListingStatus.confirmed, ListingStatus.escalated, ListingStatus.removed)


class _Doc(BaseModel):
    model_config = ConfigDict(frozen=True)


class CategoryRef(_Doc):
    key: str
    name: str


class EvidenceRef(_Doc):
    capture_uid: str
    manifest_sha256: str
    screenshot_sha256: str | None
    captured_at: datetime
    url: str
    http_status: int | None


class SearchCitation(_Doc):
    """What a search engine's delisting form asks for: the query, the rank, the result URL."""

    engine: str
    query: str
    rank: int
    page_no: int
    result_url: str
    ad: bool
    landing_url: str = ""


class NoticeItemDoc(_Doc):
    no: int
    listing_id: int
    url: str
    title: str
    shop: str
    seller: str
    region: str
    offers: str
    categories: list[CategoryRef]
    legal_basis: list[str]
    evidence: list[EvidenceRef]
    first_seen: datetime
    status: str
    search: SearchCitation | None = None
    #: on a thread, the offending post (floor, author, url of its page), cited in ``offers``
    post: dict[str, str] | None = None


class NoticeDocument(_Doc):
    reference: str
    status: str
    issued: date
    deadline: date | None
    office_name: str
    office_contact: str
    platform_key: str
    platform_name: str
    channel_key: str
    channel_name: str
    channel_operator: str
    submission: str
    portal_url: str | None
    typical_response_days: int | None
    response_note: str
    requires: list[str]
    attachments: list[str]
    shop: str
    seller: str
    actions: list[str]
    general_grounds: list[str]
    created_by: str
    approved_by: str
    items: list[NoticeItemDoc]
    kind: str = "notice"
    """``notice``, or ``escalation`` (the platform let the deadline pass; items still online)."""
    sent_on: date | None = None
    original_deadline: date | None = None
    close_shop: bool = False
    """Ask for the shop or account to be closed: the actor has repeated confirmed findings here."""
    shop_findings: int = 0

    @property
    def evidence_count(self) -> int:
        return sum(len(item.evidence) for item in self.items)


def one_line(value: str | None) -> str:
    """Page-supplied text as one safe line: no control characters, whitespace collapsed.

    Shop names and titles come from hostile pages; a newline in them must not
    start a new block of the letter.
    """
    if not value:
        return ""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in value)
    return " ".join(cleaned.split())


def post_citation(listing: Listing) -> str:
    """On a thread, the post that makes the offer, as a notice cites it: platforms delete
    posts, not discussions, so the floor, the poster and the page it is on come first."""
    post = listing.offending_post if isinstance(listing.offending_post, dict) else None
    if not post:
        return ""
    floor = str(post.get("floor") or "").lstrip("#")
    parts = [f"违规帖子：第{floor}楼" if floor else "违规帖子"]
    if post.get("author"):
        parts.append(f"发帖人：{one_line(str(post['author']))}")
    if post.get("url"):
        parts.append(f"所在页：{one_line(str(post['url']))}")
    return "，".join(parts)


def _summary(listing: Listing) -> str:
    cited = post_citation(listing)
    if cited:
        post = listing.offending_post or {}
        snippet = one_line(str(post.get("text") or ""))
        if len(snippet) > OFFER_SUMMARY_CHARS:
            snippet = snippet[:OFFER_SUMMARY_CHARS] + "…"
        return f"{cited}；帖子内容：{snippet}" if snippet else cited
    version = listing.current_version
    text = (version.text if version else "") or ""
    fields = version.fields if version else {}
    price = fields.get("price") if isinstance(fields, dict) else None
    snippet = one_line(text)
    if len(snippet) > OFFER_SUMMARY_CHARS:
        snippet = snippet[:OFFER_SUMMARY_CHARS] + "…"
    return f"{snippet}（标价：{price}）" if price not in (None, "") else snippet


def _search_citation(session: Session, listing: Listing) -> SearchCitation | None:
    """A search result is cited by query, rank and result URL (what a delisting form asks),
    with the landing page it leads to; a landing page reached from a result cites that result."""
    result, landing = listing, None
    if listing.page_kind != "serp_result":
        if listing.found_via_id is None:
            return None
        found = session.get(Listing, listing.found_via_id)
        if found is None or found.page_kind != "serp_result":
            return None
        result, landing = found, listing
    else:
        landing = session.scalar(
            select(Listing).where(Listing.found_via_id == listing.id).order_by(Listing.id).limit(1)
        )
    version = result.current_version
    fields = version.fields if version else {}
    if not isinstance(fields, dict):
        return None
    try:
        return SearchCitation(
            engine=one_line(str(fields.get("engine") or "")),
            query=one_line(str(fields.get("query") or "")),
            rank=int(fields.get("rank") or 0),
            page_no=int(fields.get("page_no") or 1),
            result_url=one_line(result.url),
            ad=bool(fields.get("ad")),
            landing_url=one_line(landing.url) if landing is not None else "",
        )
    except (TypeError, ValueError):
        return None


def _evidence(session: Session, listing_id: int) -> list[EvidenceRef]:
    captures = session.scalars(
        select(EvidenceCapture)
        .where(EvidenceCapture.listing_id == listing_id, EvidenceCapture.reason != "recheck")
        .order_by(EvidenceCapture.captured_at, EvidenceCapture.id)
    ).all()
    return [
        EvidenceRef(
            capture_uid=c.capture_uid,
            manifest_sha256=c.manifest_sha256,
            screenshot_sha256=c.screenshot_sha256,
            captured_at=c.captured_at,
            url=one_line(c.url),
            http_status=c.http_status,
        )
        for c in captures
    ]


def _rule_bases(listing: Listing, catalog: CategoryCatalog) -> list[str]:
    """The citable parts of the stored hits' legal bases.

    A hit keeps the basis text it was classified with, which may predate the
    checked list (an old "[verify ...]" note); only text the catalog vouches
    for goes into a letter.
    """
    version = listing.current_version
    classification = version.classification if version else None
    if classification is None:
        return []
    parts = (
        part.strip()
        for hit in classification.hits
        for part in hit.legal_basis.split(CITATION_SEPARATOR)
    )
    return [part for part in parts if part and catalog.citable(part)]


def item_document(
    session: Session, listing: Listing, no: int, catalog: CategoryCatalog, status: str
) -> NoticeItemDoc:
    """One listing as a letter's item: what it offers, its categories, citable bases, evidence."""
    keys = [str(k) for k in (listing.categories or [])]
    bases: list[str] = []
    for key in keys:
        bases.extend(catalog.legal_bases(key))
    bases.extend(_rule_bases(listing, catalog))
    return NoticeItemDoc(
        no=no,
        listing_id=listing.id,
        url=one_line(listing.url),
        title=one_line(listing.title),
        shop=one_line(listing.shop),
        seller=one_line(listing.seller),
        region=one_line(listing.region),
        offers=_summary(listing),
        categories=[CategoryRef(key=k, name=catalog.name(k)) for k in keys],
        legal_basis=list(dict.fromkeys(bases)),
        evidence=_evidence(session, listing.id),
        first_seen=listing.first_seen,
        status=status,
        search=_search_citation(session, listing),
        post=_post_ref(listing),
    )


def _post_ref(listing: Listing) -> dict[str, str] | None:
    post = listing.offending_post if isinstance(listing.offending_post, dict) else None
    if not post:
        return None
    return {k: one_line(str(post.get(k) or "")) for k in ("floor", "author", "url")}


def shop_findings(session: Session, notice: TakedownNotice) -> int:
    """Confirmed findings on the notice's platform by the same actors or the same shop."""
    actors = {item.listing.actor_id for item in notice.items if item.listing.actor_id}
    same: list[Any] = []
    if actors:
        same.append(Listing.actor_id.in_(actors))
    if notice.shop:
        same.append(Listing.shop == notice.shop)
    if not same:
        return len(notice.items)
    return int(
        session.scalar(
            select(func.count(Listing.id)).where(
                Listing.platform_id == notice.platform_id,
                Listing.status.in_(CONFIRMED_FINDINGS),
                or_(*same),
            )
        )
        or 0
    )


def build_escalation_document(
    session: Session,
    notice: TakedownNotice,
    *,
    office_name: str,
    office_contact: str,
    now: datetime,
    working_days: int = ESCALATION_WORKING_DAYS,
    registry: PlatformRegistry | None = None,
    catalog: CategoryCatalog | None = None,
) -> NoticeDocument:
    """The follow-up letter to a platform that let the deadline pass: the items still online,
    with a new, shorter deadline in working days from ``now``."""
    from takedown.workdays import deadline_after

    doc = build_document(
        session, notice, office_name=office_name, office_contact=office_contact,
        registry=registry, catalog=catalog,
    )  # fmt: skip
    pending = [item for item in doc.items if item.status != "removed"]
    if not pending:
        raise ExportError(
            f"notice {notice.reference}: every listing is removed; nothing to escalate"
        )
    new_deadline, _ = deadline_after(now, working_days)
    return doc.model_copy(
        update={
            "kind": "escalation",
            "items": pending,
            "issued": now.date(),
            "original_deadline": doc.deadline,
            "deadline": new_deadline.date(),
        }
    )


def _username(session: Session, user_id: int | None) -> str:
    if user_id is None:
        return ""
    user = session.get(User, user_id)
    if user is None:
        return ""
    return user.display_name or user.username


def resolve_channel(notice: TakedownNotice, registry: PlatformRegistry) -> ResolvedChannel:
    platform = notice.platform
    first_url = notice.items[0].listing.url if notice.items else None
    return registry.resolve(
        platform.key,
        platform_name=platform.name if platform.name != platform.key else None,
        channel_override=platform.takedown_channel,
        url=first_url,
    )


def build_document(
    session: Session,
    notice: TakedownNotice,
    *,
    office_name: str,
    office_contact: str,
    registry: PlatformRegistry | None = None,
    catalog: CategoryCatalog | None = None,
) -> NoticeDocument:
    """The content of ``notice`` ready for any exporter."""
    registry = registry or default_registry()
    catalog = catalog or default_catalog()
    resolved = resolve_channel(notice, registry)
    channel = resolved.channel
    ordered = sorted(notice.items, key=lambda i: (i.listing.canonical_url, i.listing_id))
    items = [
        item_document(session, item.listing, no, catalog, item.status.value)
        for no, item in enumerate(ordered, start=1)
    ]
    issued_at = notice.approved_at or notice.created_at
    sellers = sorted({i.seller for i in items if i.seller})
    return NoticeDocument(
        reference=notice.reference,
        status=notice.status.value,
        issued=issued_at.date(),
        deadline=notice.deadline.date() if notice.deadline else None,
        office_name=office_name,
        office_contact=office_contact,
        platform_key=resolved.platform_key,
        platform_name=resolved.platform_name,
        channel_key=resolved.key,
        channel_name=channel.name,
        channel_operator=channel.operator,
        submission=channel.submission.value,
        portal_url=channel.portal_url,
        typical_response_days=channel.typical_response_days,
        response_note=channel.response_note,
        requires=[r.value for r in channel.requires],
        attachments=list(channel.attachments),
        shop=one_line(notice.shop),
        seller="、".join(sellers),
        actions=[
            text
            for key, text in resolved.actions.items()
            if key != CLOSE_SHOP_ACTION or notice.close_shop
        ],
        close_shop=notice.close_shop,
        shop_findings=shop_findings(session, notice) if notice.close_shop else 0,
        sent_on=notice.sent_at.date() if notice.sent_at else None,
        general_grounds=catalog.general_grounds(),
        created_by=_username(session, notice.created_by_id),
        approved_by=_username(session, notice.approved_by_id),
        items=items,
    )
