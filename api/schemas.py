"""Request and response models of the REST API (separate from the ORM models)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from store.models import ListingStatus, NoticeStatus, ReviewAction, Role, RunStatus

T = TypeVar("T")
MAX_ID = 2**62
DbId = Annotated[int, Field(ge=1, le=MAX_ID)]
MAX_INTERVAL_S = 366 * 86400
"""A campaign runs at least once a year (campaigns.specs.MAX_INTERVAL_S)."""


class ORM(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
    total_exact: bool = Field(
        default=True, description="false: counting stopped, there are at least `total`"
    )


# --- auth and users -------------------------------------------------------------------------


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=1024)


class UserOut(ORM):
    id: int
    username: str
    display_name: str
    role: Role
    active: bool
    created_at: datetime


class SessionOut(BaseModel):
    user: UserOut
    csrf_token: str = Field(description="send it as X-CSRF-Token with state-changing requests")


class SessionInfo(ORM):
    id: int
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    client: str
    user_agent: str
    current: bool = Field(default=False, description="the session this request came with")


class SessionsEnded(BaseModel):
    ended: int


class UserCreate(BaseModel):
    username: str = Field(min_length=2, max_length=80, pattern=r"^[A-Za-z0-9_.\-]+$")
    password: str = Field(min_length=8, max_length=1024)
    role: Role = Role.reviewer
    display_name: str = Field(default="", max_length=120)


class UserUpdate(BaseModel):
    role: Role | None = None
    active: bool | None = None
    display_name: str | None = Field(default=None, max_length=120)
    password: str | None = Field(default=None, min_length=8, max_length=1024)


class TokenCreate(BaseModel):
    name: str = Field(default="", max_length=120)


class TokenOut(ORM):
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


class TokenIssued(TokenOut):
    token: str = Field(description="shown once; send as 'Authorization: Bearer <token>'")


# --- listings -------------------------------------------------------------------------------


class ListingSummary(BaseModel):
    id: int
    title: str
    url: str
    platform: str
    status: ListingStatus
    severity: str | None
    score: float
    categories: list[str]
    region: str | None
    shop: str | None
    seller: str | None
    actor_id: int | None
    first_seen: datetime
    last_seen: datetime
    online: bool
    assigned_to_id: int | None
    tier: str = "none"
    genre: str | None = None
    #: on a thread, the post that made the offer: block, floor, author, url, text
    offending_post: dict[str, Any] | None = None


class VersionOut(BaseModel):
    id: int
    content_sha256: str
    title: str
    text: str
    fields: dict[str, Any]
    fetched_at: datetime
    run_id: int | None
    http_status: int | None


class RuleHitOut(ORM):
    rule: str
    category: str
    severity: str
    start: int
    end: int
    match: str
    explanation: str
    legal_basis: str
    block: int | None = None
    stance: str | None = None
    counted: bool = True
    why: str = ""


class EntityOut(ORM):
    kind: str
    value: str
    start: int
    end: int


class ClassificationOut(BaseModel):
    irregular: bool
    score: float
    severity: str | None
    categories: list[str]
    rules_version: str
    created_at: datetime
    hits: list[RuleHitOut]
    entities: list[EntityOut]


class ArtifactOut(ORM):
    kind: str
    sha256: str
    size: int
    media_type: str


class CaptureOut(ORM):
    id: int
    capture_uid: str
    manifest_sha256: str
    ledger_index: int | None
    url: str
    final_url: str | None
    http_status: int | None
    captured_at: datetime
    screenshot_sha256: str | None
    reason: str
    verified_at: datetime | None
    verified_ok: bool | None
    artifacts: list[ArtifactOut]


class ActorOut(BaseModel):
    id: int
    label: str
    contacts: list[dict[str, str]]
    other_listings: list[ListingSummary]


class ReviewOut(BaseModel):
    id: int
    listing_id: int
    action: ReviewAction
    reason: str
    user: str
    assignee: str | None
    created_at: datetime


class ListingDetail(ListingSummary):
    canonical_url: str
    page_kind: str
    versions: list[VersionOut]
    classification: ClassificationOut | None
    actor: ActorOut | None
    captures: list[CaptureOut]
    reviews: list[ReviewOut]


# --- reviews --------------------------------------------------------------------------------


class ReviewIn(BaseModel):
    action: ReviewAction
    reason: str = Field(default="", max_length=4000, description="required for dismiss")
    assignee: str | None = Field(default=None, max_length=80, description="username, for assign")


class BulkReviewIn(ReviewIn):
    listing_ids: list[DbId] = Field(min_length=1, max_length=500)


class ReviewResult(BaseModel):
    listing_id: int
    status: ListingStatus
    review_id: int


class BulkReviewResult(BaseModel):
    results: list[ReviewResult]
    errors: dict[int, str]


# --- campaigns ------------------------------------------------------------------------------


class CampaignIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)
    keywords: list[str] = Field(default_factory=list, max_length=500)
    platforms: list[str] = Field(default_factory=list, max_length=100)
    limits: dict[str, int] = Field(default_factory=dict)
    schedule_cron: str | None = Field(default=None, max_length=120)
    schedule_interval_s: int | None = Field(default=None, ge=60, le=MAX_INTERVAL_S)
    obey_robots: bool = True


class CampaignUpdate(BaseModel):
    description: str | None = Field(default=None, max_length=4000)
    keywords: list[str] | None = Field(default=None, max_length=500)
    platforms: list[str] | None = Field(default=None, max_length=100)
    limits: dict[str, int] | None = None
    schedule_cron: str | None = Field(default=None, max_length=120)
    schedule_interval_s: int | None = Field(default=None, ge=60, le=MAX_INTERVAL_S)
    obey_robots: bool | None = None


class CampaignOut(ORM):
    id: int
    name: str
    description: str
    keywords: list[Any]
    platforms: list[Any]
    limits: dict[str, Any]
    schedule_cron: str | None
    schedule_interval_s: int | None
    obey_robots: bool
    paused: bool
    created_at: datetime
    updated_at: datetime


class RunOut(ORM):
    id: int
    campaign_id: int
    status: RunStatus
    trigger: str
    started_at: datetime | None
    finished_at: datetime | None
    stats: dict[str, Any]
    error: str | None


# --- audit, dashboard, health ---------------------------------------------------------------


class AuditOut(ORM):
    id: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    detail: dict[str, Any]


class SeriesPoint(BaseModel):
    day: str
    key: str
    count: int


class DashboardOut(BaseModel):
    backend: str
    total: int
    by_status: dict[str, int]
    by_category: dict[str, int]
    by_platform: dict[str, int]
    by_region: dict[str, int]
    over_time_by_category: list[SeriesPoint]
    over_time_by_platform: list[SeriesPoint]
    over_time_by_region: list[SeriesPoint]


class HealthOut(BaseModel):
    status: str
    checks: dict[str, str] = Field(default_factory=dict)


# --- actors (who is behind listings) and responsible offices --------------------------------


class OfficeOut(BaseModel):
    code: str
    name: str
    level: str
    region: str
    parent: str | None


class OfficeAssignment(BaseModel):
    code: str | None
    name: str | None
    source: str | None = Field(
        description="agency_address, shop_region, landline, mobile_prefix, platform_region, fallback, transfer"
    )
    reason: str


class RiskPartOut(BaseModel):
    key: str
    label: str
    points: int
    detail: str


class RiskOut(BaseModel):
    score: int = Field(ge=0, le=100)
    level: str
    parts: list[RiskPartOut]


class RegisterOut(BaseModel):
    status: str = Field(description="revoked, unlicensed, agent_elsewhere, licensed, unnamed")
    label: str
    findings: list[dict[str, str]]


class ActorListingOut(ListingSummary):
    removed_at: datetime | None
    pinned: bool
    office: OfficeAssignment


class ActorSummary(BaseModel):
    id: int
    label: str
    listings: int
    confirmed: int
    platforms: list[str]
    office: OfficeAssignment
    risk: RiskOut


class ActorDetail(ActorSummary):
    merged_into_id: int | None
    categories: dict[str, int]
    shops: list[dict[str, str]]
    contacts: dict[str, list[str]]
    agency_names: list[str]
    licence_register: RegisterOut = Field(
        description="the imported register of licensed agencies and agents on what this actor names"
    )
    items: list[ActorListingOut]
    evidence: list[dict[str, Any]]
    notices: list[dict[str, Any]]
    reappearances: list[dict[str, Any]]
    separated_from: list[int]


class MergeIn(BaseModel):
    into: DbId = Field(description="the actor that remains")
    reason: str = Field(min_length=2, max_length=2000)


class SplitIn(BaseModel):
    listing_ids: list[DbId] = Field(min_length=1, max_length=1000)
    reason: str = Field(min_length=2, max_length=2000)
    label: str = Field(default="", max_length=200)


class TransferIn(BaseModel):
    office: str = Field(pattern=r"^\d{6}$", description="office code in rules/offices.yaml")
    note: str = Field(min_length=2, max_length=2000)


class AssignOfficesOut(BaseModel):
    listings: int
    actors: int
    by_source: dict[str, int]


class OfficeStatsOut(BaseModel):
    office: str | None
    total: int
    unassigned: int
    by_office: dict[str, int]
    by_source: dict[str, int]
    by_category: dict[str, int]
    by_platform: dict[str, int]
    by_status: dict[str, int]


# --- takedown notices ---------------------------------------------------------------------


class CheckOut(BaseModel):
    checked_at: datetime
    online: bool
    http_status: int | None
    detail: str


class ItemOut(BaseModel):
    listing_id: int
    url: str
    title: str
    shop: str | None
    status: str
    last_checked_at: datetime | None
    removed_at: datetime | None
    checks: list[CheckOut] = Field(default_factory=list)


class NoticeOut(BaseModel):
    reference: str
    platform: str
    shop: str | None
    status: str
    items: int
    removed: int
    created_at: datetime
    approved_at: datetime | None
    sent_at: datetime | None
    acknowledged_at: datetime | None
    closed_at: datetime | None
    deadline: datetime | None
    escalation_due: bool
    next: list[str] = Field(description="statuses this notice may move to")
    close_shop: bool = Field(default=False, description="asks the platform to close the shop")
    escalated_at: datetime | None = None
    reopened_at: datetime | None = Field(
        default=None, description="a removed listing came back online and reopened the notice"
    )


class NoticeDetail(NoticeOut):
    listings: list[ItemOut]


class DraftIn(BaseModel):
    platform: str | None = Field(default=None, description="only this platform key")


class DraftOut(BaseModel):
    listings: int
    created: list[str]
    extended: list[str]


class TransitionIn(BaseModel):
    status: NoticeStatus
    note: str = Field(default="", max_length=2000)


class RecheckOut(BaseModel):
    reference: str
    status: str
    escalation_due: bool
    removed: int
    online: int
    inconclusive: int
