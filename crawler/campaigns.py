"""Campaigns: keywords x platforms x limits x schedule, as YAML files or database rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Campaign

CAMPAIGNS_DIR = Path(__file__).resolve().parent / "campaigns"


class CampaignError(ValueError):
    """A campaign cannot be found or is invalid; the message names the file and field."""


class Limits(BaseModel):
    model_config = ConfigDict(extra="forbid")

    depth: int = Field(default=3, ge=0, le=10, description="links followed from an entry page")
    pages: int = Field(default=5, ge=1, le=1000, description="result pages per query or board")
    reply_pages: int = Field(default=50, ge=1, le=1000, description="pages merged into one thread")
    max_seconds: int = Field(default=0, ge=0, description="stop after this long; 0 = no limit")
    max_requests: int = Field(
        default=0, ge=0, description="stop after this many responses; 0 = none"
    )


class Schedule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cron: str | None = None
    interval_s: int | None = Field(default=None, ge=1, description="seconds between runs")
    misfire: str = "run_once"


class CampaignSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    keywords: list[str] = Field(min_length=1)
    platforms: list[str] = Field(min_length=1, description="profile keys")
    base_urls: dict[str, str] = Field(
        default_factory=dict, description="profile key -> base URL for profiles using {base}"
    )
    limits: Limits = Field(default_factory=Limits)
    schedule: Schedule = Field(default_factory=Schedule)
    obey_robots: bool = True
    capture: bool = True

    @field_validator("keywords", "platforms")
    @classmethod
    def _no_blanks(cls, values: list[str]) -> list[str]:
        cleaned = [v.strip() for v in values]
        if any(not v for v in cleaned):
            raise ValueError("blank entries are not allowed")
        return list(dict.fromkeys(cleaned))


def parse_campaign(data: Any, source: Path | str) -> CampaignSpec:
    if not isinstance(data, dict):
        raise CampaignError(f"{source}: a campaign must be a mapping")
    try:
        return CampaignSpec.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '?'}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        )
        raise CampaignError(f"{source}: {problems}") from exc


def load_campaign_file(path: Path) -> CampaignSpec:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CampaignError(f"{path}: cannot read: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise CampaignError(f"{path}: not valid YAML: {exc}") from exc
    return parse_campaign(data, path)


def builtin_campaigns(directory: Path = CAMPAIGNS_DIR) -> dict[str, Path]:
    return {p.stem: p for p in sorted(directory.glob("*.yaml"))}


def spec_from_row(row: Campaign) -> CampaignSpec:
    limits = dict(row.limits or {})
    base_urls = limits.pop("base_urls", {}) or {}
    capture = limits.pop("capture", True)
    return CampaignSpec(
        name=row.name,
        description=row.description,
        keywords=list(row.keywords),
        platforms=list(row.platforms),
        base_urls=base_urls,
        limits=Limits.model_validate(limits),
        schedule=Schedule(
            cron=row.schedule_cron, interval_s=row.schedule_interval_s, misfire=row.misfire_policy
        ),
        obey_robots=row.obey_robots,
        capture=bool(capture),
    )


def upsert_campaign(session: Session, spec: CampaignSpec) -> Campaign:
    """The campaign row named ``spec.name``, created or updated to match ``spec``."""
    row = session.scalar(select(Campaign).where(Campaign.name == spec.name))
    if row is None:
        row = Campaign(name=spec.name)
        session.add(row)
    row.description = spec.description
    row.keywords = list(spec.keywords)
    row.platforms = list(spec.platforms)
    row.limits = {
        **spec.limits.model_dump(),
        "base_urls": dict(spec.base_urls),
        "capture": spec.capture,
    }
    row.schedule_cron = spec.schedule.cron
    row.schedule_interval_s = spec.schedule.interval_s
    row.misfire_policy = spec.schedule.misfire
    row.obey_robots = spec.obey_robots
    session.flush()
    return row


def resolve_campaign(
    session: Session, ref: str, directory: Path = CAMPAIGNS_DIR
) -> tuple[CampaignSpec, Campaign]:
    """Find a campaign by file path, database name, or built-in YAML name (in that order).

    A file is imported (its row created or updated); a database row is taken
    as it stands, so edits made through the API are respected.
    """
    path = Path(ref)
    if ref.endswith((".yaml", ".yml")) or path.is_file():
        if not path.is_file():
            raise CampaignError(f"campaign file {ref} does not exist")
        spec = load_campaign_file(path)
        return spec, upsert_campaign(session, spec)
    row = session.scalar(select(Campaign).where(Campaign.name == ref))
    if row is not None:
        try:
            return spec_from_row(row), row
        except ValidationError as exc:
            raise CampaignError(f"campaign {ref!r} in the database is invalid: {exc}") from exc
    builtin = builtin_campaigns(directory)
    if ref in builtin:
        spec = load_campaign_file(builtin[ref])
        return spec, upsert_campaign(session, spec)
    known = sorted(set(builtin) | set(session.scalars(select(Campaign.name)).all()))
    raise CampaignError(f"no campaign {ref!r}; known: {', '.join(known) or 'none'}")
