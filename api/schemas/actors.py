"""Who is behind listings, and the offices responsible for them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from api.schemas.base import DbId
from api.schemas.listings import ListingSummary

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
