"""The system of record: SQLAlchemy 2.0 typed mappings.

Every schema change is an Alembic revision in ``store/migrations/versions``
(``make migration`` regenerates the pre-release initial revision; after the
first release, add revisions instead).  Types are portable between SQLite and
PostgreSQL: JSON columns, timezone-aware timestamps stored as UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.access_models import ApiToken, AuditEntry, LoginFailure, User, UserSession
from store.licensed_models import LicensedAgency, LicensedAgent
from store.model_types import (
    NAMING,
    Base,
    ItemStatus,
    ListingStatus,
    NoticeStatus,
    ReviewAction,
    Role,
    RunStatus,
    SourceKind,
    UTCDateTime,
    enum_type,
    utcnow,
)

# the foundation and some tables live in store.model_types, .access_models and .licensed_models
__all__ = [
    "NAMING",
    "Base",
    "ItemStatus",
    "ListingStatus",
    "NoticeStatus",
    "ReviewAction",
    "Role",
    "RunStatus",
    "SourceKind",
    "UTCDateTime",
    "utcnow",
    "ApiToken",
    "LicensedAgency",
    "LicensedAgent",
    "AuditEntry",
    "LoginFailure",
    "User",
    "UserSession",
    "Platform",
    "Campaign",
    "CampaignRun",
    "RunProblem",
    "Actor",
    "ActorSeparation",
    "ActorContact",
    "Listing",
    "ListingVersion",
    "Classification",
    "RuleHit",
    "Entity",
    "EvidenceCapture",
    "EvidenceArtifact",
    "Review",
    "IndexOutbox",
    "TakedownNotice",
    "TakedownItem",
    "TakedownCheck",
]


class Platform(Base):
    __tablename__ = "platforms"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[SourceKind] = mapped_column(enum_type(SourceKind))
    base_url: Mapped[str | None] = mapped_column(String(500))
    takedown_channel: Mapped[str | None] = mapped_column(String(64))
    verified: Mapped[bool] = mapped_column(Boolean, default=False)


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[list[Any]] = mapped_column(default=list)
    platforms: Mapped[list[Any]] = mapped_column(default=list, doc="profile keys")
    limits: Mapped[dict[str, Any]] = mapped_column(
        default=dict, doc="max_pages, depth, max_seconds"
    )
    schedule_cron: Mapped[str | None] = mapped_column(String(120))
    schedule_interval_s: Mapped[int | None] = mapped_column(Integer)
    misfire_policy: Mapped[str] = mapped_column(String(32), default="run_once")
    obey_robots: Mapped[bool] = mapped_column(Boolean, default=True)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    runs: Mapped[list[CampaignRun]] = relationship(back_populates="campaign")


class CampaignRun(Base):
    __tablename__ = "campaign_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    status: Mapped[RunStatus] = mapped_column(enum_type(RunStatus), default=RunStatus.queued)
    trigger: Mapped[str] = mapped_column(String(32), default="manual")
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    pid: Mapped[int | None] = mapped_column(Integer)
    host: Mapped[str | None] = mapped_column(
        String(255), doc="host the crawl process runs on; its pid means something only there"
    )
    cancel_requested: Mapped[bool] = mapped_column(
        Boolean, default=False, doc="asked from another host; the launching host stops the crawl"
    )
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict, doc="Scrapy's stats and ours")
    robots_override: Mapped[bool] = mapped_column(Boolean, default=False)
    log_path: Mapped[str | None] = mapped_column(String(500))
    error: Mapped[str | None] = mapped_column(Text)

    campaign: Mapped[Campaign] = relationship(back_populates="runs")


class RunProblem(Base):
    """A crawl noticed that a platform's profile no longer reads its pages, or was blocked.

    ``kind`` is ``broken`` (a page type's selectors matched nothing on 200
    responses) or ``blocked`` (an anti-bot, CAPTCHA or login page the profile
    declares); ``sample_path`` keeps one such page for whoever repairs the profile.
    """

    __tablename__ = "run_problems"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("campaign_runs.id"), index=True)
    platform: Mapped[str] = mapped_column(String(64), index=True)
    page_type: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(String(2000))
    count: Mapped[int] = mapped_column(Integer, default=1)
    sample_path: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Actor(Base):
    """Whoever stands behind listings, linked across platforms by shared contacts."""

    __tablename__ = "actors"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    merged_into_id: Mapped[int | None] = mapped_column(
        Integer, doc="set when a reviewer merged this actor into another; it then owns nothing"
    )
    office_code: Mapped[str | None] = mapped_column(String(16), index=True)
    office_source: Mapped[str | None] = mapped_column(
        String(32),
        doc="agency_address, shop_region, landline, mobile_prefix, platform_region, transfer",
    )
    office_reason: Mapped[str] = mapped_column(Text, default="")

    contacts: Mapped[list[ActorContact]] = relationship(back_populates="actor")


class ActorSeparation(Base):
    """A reviewer's decision that two actors are different people; automatic linking respects it."""

    __tablename__ = "actor_separations"
    __table_args__ = (UniqueConstraint("actor_id", "other_actor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"), index=True)
    other_actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"), index=True)
    decided_by: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ActorContact(Base):
    __tablename__ = "actor_contacts"
    __table_args__ = (UniqueConstraint("kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"), index=True)
    kind: Mapped[str] = mapped_column(
        String(32), doc="phone, wechat, qq, email, url, agency_code, ..."
    )
    value: Mapped[str] = mapped_column(String(300))

    actor: Mapped[Actor] = relationship(back_populates="contacts")


class Listing(Base):
    """One page or post, deduplicated by canonical URL; its text lives in versions."""

    __tablename__ = "listings"
    __table_args__ = (
        Index("ix_listings_status_score", "status", "score"),
        Index("ix_listings_platform_last_seen", "platform_id", "last_seen"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"), index=True)
    canonical_url: Mapped[str] = mapped_column(String(2000), unique=True)
    url: Mapped[str] = mapped_column(String(2000))
    page_kind: Mapped[str] = mapped_column(String(32), default="listing")
    title: Mapped[str] = mapped_column(Text, default="")
    shop: Mapped[str | None] = mapped_column(String(300))
    seller: Mapped[str | None] = mapped_column(String(300))
    region: Mapped[str | None] = mapped_column(String(64), index=True)
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    first_campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    current_version_id: Mapped[int | None] = mapped_column(
        Integer, doc="the newest version; no FK constraint, since versions point back here"
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id"), index=True)
    actor_pinned: Mapped[bool] = mapped_column(
        Boolean, default=False, doc="a reviewer placed this listing; automatic linking leaves it"
    )
    office_code: Mapped[str | None] = mapped_column(String(16), index=True)
    office_source: Mapped[str | None] = mapped_column(String(32))
    office_reason: Mapped[str] = mapped_column(Text, default="")
    found_via_id: Mapped[int | None] = mapped_column(
        ForeignKey("listings.id"),
        index=True,
        doc="the search result (page kind serp_result) this landing page was reached from",
    )
    status: Mapped[ListingStatus] = mapped_column(
        enum_type(ListingStatus), default=ListingStatus.new
    )
    irregular: Mapped[bool] = mapped_column(Boolean, default=False)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    severity: Mapped[str | None] = mapped_column(String(16), index=True)
    categories: Mapped[list[Any]] = mapped_column(default=list)
    #: offer (flagged), watch (pushes the practice without an offer: its own queue) or none
    tier: Mapped[str] = mapped_column(String(8), default="none", server_default="none", index=True)
    genre: Mapped[str | None] = mapped_column(String(24))
    #: on a thread, the post that makes the offer: block, floor, author, url (of its page)
    offending_post: Mapped[dict[str, Any] | None]
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    online: Mapped[bool] = mapped_column(Boolean, default=True)
    removed_at: Mapped[datetime | None]

    platform: Mapped[Platform] = relationship()
    versions: Mapped[list[ListingVersion]] = relationship(
        back_populates="listing",
        foreign_keys="ListingVersion.listing_id",
        order_by="ListingVersion.id",
    )
    current_version: Mapped[ListingVersion | None] = relationship(
        primaryjoin="foreign(Listing.current_version_id) == ListingVersion.id",
        post_update=True,
        viewonly=False,
    )
    actor: Mapped[Actor | None] = relationship()


class ListingVersion(Base):
    """What a listing said at one time.  Never updated: a change is a new row."""

    __tablename__ = "listing_versions"
    __table_args__ = (UniqueConstraint("listing_id", "content_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"), index=True)
    content_sha256: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    fields: Mapped[dict[str, Any]] = mapped_column(
        default=dict, doc="price, sales, author, replies..."
    )
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("campaign_runs.id"))
    http_status: Mapped[int | None] = mapped_column(Integer)
    encoding: Mapped[str | None] = mapped_column(String(32))

    listing: Mapped[Listing] = relationship(back_populates="versions", foreign_keys=[listing_id])
    classification: Mapped[Classification | None] = relationship(back_populates="version")


class Classification(Base):
    __tablename__ = "classifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("listing_versions.id"), unique=True)
    irregular: Mapped[bool] = mapped_column(Boolean)
    score: Mapped[float] = mapped_column(Float)
    severity: Mapped[str | None] = mapped_column(String(16))
    categories: Mapped[list[Any]] = mapped_column(default=list)
    rules_version: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    genre: Mapped[str | None] = mapped_column(String(24))
    tier: Mapped[str] = mapped_column(String(8), default="none", server_default="none")
    #: what a reader sees: [{start, end, kind, author, ref}] over the version's title + text
    blocks: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    #: the block of the first counted hit (on a thread, the post that makes the offer)
    offending_block: Mapped[int | None] = mapped_column(Integer)

    version: Mapped[ListingVersion] = relationship(back_populates="classification")
    hits: Mapped[list[RuleHit]] = relationship(
        back_populates="classification", order_by="RuleHit.start"
    )
    entities: Mapped[list[Entity]] = relationship(back_populates="classification")


class RuleHit(Base):
    """One rule's match; offsets index the version's ``title + "\\n" + text``."""

    __tablename__ = "rule_hits"

    id: Mapped[int] = mapped_column(primary_key=True)
    classification_id: Mapped[int] = mapped_column(ForeignKey("classifications.id"), index=True)
    rule: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(40), index=True)
    severity: Mapped[str] = mapped_column(String(16), default="medium")
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    match: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text, default="")
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    #: the block the hit is in, its stance there, whether it counted, and why
    block: Mapped[int | None] = mapped_column(Integer)
    stance: Mapped[str | None] = mapped_column(String(12))
    counted: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    why: Mapped[str] = mapped_column(Text, default="", server_default="")

    classification: Mapped[Classification] = relationship(back_populates="hits")


class Entity(Base):
    __tablename__ = "entities"
    __table_args__ = (Index("ix_entities_kind_value", "kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    classification_id: Mapped[int] = mapped_column(ForeignKey("classifications.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(String(300))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)

    classification: Mapped[Classification] = relationship(back_populates="entities")


class EvidenceCapture(Base):
    """One capture of a listing; recaptures sit beside earlier ones, never replace them."""

    __tablename__ = "evidence_captures"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("campaign_runs.id"))
    capture_uid: Mapped[str] = mapped_column(String(64), unique=True)
    manifest_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    ledger_index: Mapped[int | None] = mapped_column(Integer)
    ledger_entry_hash: Mapped[str | None] = mapped_column(
        String(64), doc="the ledger entry's hash: the database's anchor of the chain head"
    )
    url: Mapped[str] = mapped_column(String(2000))
    final_url: Mapped[str | None] = mapped_column(String(2000))
    http_status: Mapped[int | None] = mapped_column(Integer)
    captured_at: Mapped[datetime]
    screenshot_sha256: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(
        String(32), default="flagged", doc="flagged, recheck, manual"
    )
    verified_at: Mapped[datetime | None]
    verified_ok: Mapped[bool | None] = mapped_column(Boolean)
    timings_ms: Mapped[dict[str, Any] | None] = mapped_column(
        doc="milliseconds per step: slot, navigate, settle, screenshot, dom, mhtml, meta, warc, "
        "hash, ledger_wait, sign, ledger (diagnostics, not evidence)"
    )
    isolation: Mapped[str | None] = mapped_column(String(16), doc="fresh or reused profile")

    artifacts: Mapped[list[EvidenceArtifact]] = relationship(back_populates="capture")


class EvidenceArtifact(Base):
    __tablename__ = "evidence_artifacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    capture_id: Mapped[int] = mapped_column(ForeignKey("evidence_captures.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32), doc="screenshot, dom, body, mhtml, headers, warc")
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(100))

    capture: Mapped[EvidenceCapture] = relationship(back_populates="artifacts")


class Review(Base):
    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    action: Mapped[ReviewAction] = mapped_column(enum_type(ReviewAction))
    reason: Mapped[str] = mapped_column(Text, default="")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IndexOutbox(Base):
    """A listing whose status, review or takedown state changed: the search index must see it.

    Written in the same transaction as the change (``store.listing_state``), so a change
    committed is a change queued; the API's index syncer drains it (``store.search.drain_outbox``).
    """

    __tablename__ = "index_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TakedownNotice(Base):
    """One request to one platform about one shop or seller's listings."""

    __tablename__ = "takedown_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"), index=True)
    shop: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[NoticeStatus] = mapped_column(
        enum_type(NoticeStatus), default=NoticeStatus.draft
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    deadline: Mapped[datetime | None]
    escalation_due: Mapped[bool] = mapped_column(Boolean, default=False)
    escalated_at: Mapped[datetime | None]
    reopened_at: Mapped[datetime | None] = mapped_column(
        doc="a removed listing came back online; the notice is open again"
    )
    close_shop: Mapped[bool] = mapped_column(
        Boolean, default=False, doc="the notice asks to close the shop or account, not only links"
    )

    platform: Mapped[Platform] = relationship()
    items: Mapped[list[TakedownItem]] = relationship(back_populates="notice")


class TakedownItem(Base):
    __tablename__ = "takedown_items"
    __table_args__ = (UniqueConstraint("notice_id", "listing_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("takedown_notices.id"), index=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"), index=True)
    status: Mapped[ItemStatus] = mapped_column(enum_type(ItemStatus), default=ItemStatus.pending)
    last_checked_at: Mapped[datetime | None]
    removed_at: Mapped[datetime | None]

    notice: Mapped[TakedownNotice] = relationship(back_populates="items")
    listing: Mapped[Listing] = relationship()
    checks: Mapped[list[TakedownCheck]] = relationship(order_by="TakedownCheck.checked_at")


class TakedownCheck(Base):
    __tablename__ = "takedown_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("takedown_items.id"), index=True)
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)
    online: Mapped[bool] = mapped_column(Boolean)
    http_status: Mapped[int | None] = mapped_column(Integer)
    capture_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_captures.id"))
    detail: Mapped[str] = mapped_column(Text, default="")
