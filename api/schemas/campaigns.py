"""Campaigns and runs; audit, dashboard and health."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from api.schemas.base import MAX_INTERVAL_S, ORM
from store import RunStatus

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
