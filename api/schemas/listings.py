"""Listings, their versions, verdicts, evidence and reviews."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from api.schemas.base import ORM, DbId
from store import ListingStatus, ReviewAction

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
