"""Takedown notices, their items, checks and transitions."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from store import NoticeStatus

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
