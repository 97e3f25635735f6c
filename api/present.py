"""ORM rows to API models, and the text split into highlighted segments for the UI."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from api.schemas import (
    ActorOut,
    CaptureOut,
    ClassificationOut,
    EntityOut,
    ListingDetail,
    ListingSummary,
    ReviewOut,
    RuleHitOut,
    VersionOut,
)
from store import (
    Actor,
    Classification,
    EvidenceCapture,
    Listing,
    ListingVersion,
    Platform,
    Review,
    RuleHit,
    User,
)

OTHER_LISTINGS_LIMIT = 20


def summary(listing: Listing, platform_key: str) -> ListingSummary:
    return ListingSummary(
        id=listing.id,
        title=listing.title,
        url=listing.url,
        platform=platform_key,
        status=listing.status,
        severity=listing.severity,
        score=listing.score,
        categories=[str(c) for c in listing.categories or []],
        region=listing.region,
        shop=listing.shop,
        seller=listing.seller,
        actor_id=listing.actor_id,
        first_seen=listing.first_seen,
        last_seen=listing.last_seen,
        online=listing.online,
        assigned_to_id=listing.assigned_to_id,
        tier=listing.tier or "none",
        genre=listing.genre,
        offending_post=listing.offending_post if isinstance(listing.offending_post, dict) else None,
    )


def current_classification(session: Session, listing: Listing) -> Classification | None:
    if listing.current_version_id is None:
        return None
    return session.scalar(
        select(Classification)
        .where(Classification.version_id == listing.current_version_id)
        .options(selectinload(Classification.hits), selectinload(Classification.entities))
    )


def _classification_out(c: Classification | None) -> ClassificationOut | None:
    if c is None:
        return None
    return ClassificationOut(
        irregular=c.irregular,
        score=c.score,
        severity=c.severity,
        categories=[str(x) for x in c.categories or []],
        rules_version=c.rules_version,
        created_at=c.created_at,
        hits=[RuleHitOut.model_validate(h) for h in c.hits],
        entities=[EntityOut.model_validate(e) for e in c.entities],
    )


def actor_out(session: Session, actor: Actor | None, exclude_listing: int) -> ActorOut | None:
    if actor is None:
        return None
    others = session.execute(
        select(Listing, Platform.key)
        .join(Platform, Platform.id == Listing.platform_id)
        .where(Listing.actor_id == actor.id, Listing.id != exclude_listing)
        .order_by(Listing.score.desc(), Listing.id.desc())
        .limit(OTHER_LISTINGS_LIMIT)
    )
    return ActorOut(
        id=actor.id,
        label=actor.label,
        contacts=[{"kind": c.kind, "value": c.value} for c in actor.contacts],
        other_listings=[summary(listing, key) for listing, key in others],
    )


def captures(session: Session, listing_id: int) -> list[EvidenceCapture]:
    return list(
        session.scalars(
            select(EvidenceCapture)
            .where(EvidenceCapture.listing_id == listing_id)
            .options(selectinload(EvidenceCapture.artifacts))
            .order_by(EvidenceCapture.captured_at.desc(), EvidenceCapture.id.desc())
        )
    )


def reviews(session: Session, listing_id: int) -> list[ReviewOut]:
    names = dict(session.execute(select(User.id, User.username)).all())
    rows = session.scalars(
        select(Review).where(Review.listing_id == listing_id).order_by(Review.id.desc())
    )
    return [
        ReviewOut(
            id=r.id,
            listing_id=r.listing_id,
            action=r.action,
            reason=r.reason,
            user=names.get(r.user_id, "?"),
            assignee=names.get(r.assignee_id) if r.assignee_id else None,
            created_at=r.created_at,
        )
        for r in rows
    ]


def detail(session: Session, listing: Listing) -> ListingDetail:
    platform_key = (
        session.scalar(select(Platform.key).where(Platform.id == listing.platform_id)) or ""
    )
    versions = session.scalars(
        select(ListingVersion)
        .where(ListingVersion.listing_id == listing.id)
        .order_by(ListingVersion.id.desc())
    )
    actor = (
        session.scalar(
            select(Actor).where(Actor.id == listing.actor_id).options(selectinload(Actor.contacts))
        )
        if listing.actor_id
        else None
    )
    return ListingDetail(
        **summary(listing, platform_key).model_dump(),
        canonical_url=listing.canonical_url,
        page_kind=listing.page_kind,
        versions=[
            VersionOut(
                id=v.id,
                content_sha256=v.content_sha256,
                title=v.title,
                text=v.text,
                fields=v.fields or {},
                fetched_at=v.fetched_at,
                run_id=v.run_id,
                http_status=v.http_status,
            )
            for v in versions
        ],
        classification=_classification_out(current_classification(session, listing)),
        actor=actor_out(session, actor, listing.id),
        captures=[CaptureOut.model_validate(c) for c in captures(session, listing.id)],
        reviews=reviews(session, listing.id),
    )


@dataclass
class Segment:
    """A run of text; ``hits`` are the rule hits covering all of it (empty: plain text)."""

    text: str
    hits: list[RuleHit] = field(default_factory=list)

    @property
    def severity(self) -> str:
        order = {"high": 3, "medium": 2, "low": 1}
        return max((h.severity for h in self.hits), key=lambda s: order.get(s, 0), default="")

    @property
    def label(self) -> str:
        return "；".join(dict.fromkeys(f"{h.rule}（{h.category}）" for h in self.hits))


def segments(full_text: str, hits: list[RuleHit]) -> list[Segment]:
    """Split ``full_text`` at every hit boundary; overlapping hits share segments.

    Offsets out of range are clamped; empty or inverted spans are ignored.  The
    template escapes each segment, so nothing from the page is ever markup.
    """
    n = len(full_text)
    spans = [(max(0, min(h.start, n)), max(0, min(h.end, n)), h) for h in hits]
    spans = [s for s in spans if s[0] < s[1]]
    cuts = sorted({0, n, *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    out: list[Segment] = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        covering = [h for s, e, h in spans if s <= a and b <= e]
        piece = full_text[a:b]
        if out and not covering and not out[-1].hits:
            out[-1].text += piece
        else:
            out.append(Segment(piece, covering))
    return out
