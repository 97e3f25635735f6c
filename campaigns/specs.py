"""Campaigns: keywords x platforms x limits x schedule, as YAML files or database rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from store import Campaign

CAMPAIGNS_DIR = Path(__file__).resolve().parent / "builtin"


class CampaignError(ValueError):
    """A campaign cannot be found or is invalid; the message names the file and field."""


class Limits(BaseModel):
    model_config = ConfigDict(extra="forbid")

    depth: int = Field(default=3, ge=0, le=10, description="links followed from an entry page")
    pages: int = Field(default=5, ge=1, le=1000, description="result pages per query or board")
    reply_pages: int = Field(default=50, ge=1, le=1000, description="pages merged into one thread")
    max_seconds: int = Field(
        default=0, ge=0, le=30 * 86400, description="stop after this long; 0 = no limit"
    )
    max_requests: int = Field(
        default=0, ge=0, le=100_000_000, description="stop after this many responses; 0 = none"
    )


MAX_INTERVAL_S = 366 * 86400
MISFIRE_POLICIES = ("run_once", "skip", "run_all")


class Schedule(BaseModel):
    """When a campaign runs: a crontab line (UTC) or an interval, and what to do about missed runs.

    The crontab is parsed by APScheduler's own ``CronTrigger.from_crontab``,
    so what is accepted here is exactly what the scheduler can schedule.
    """

    model_config = ConfigDict(extra="forbid")

    cron: str | None = Field(default=None, max_length=120)
    interval_s: int | None = Field(
        default=None, ge=1, le=MAX_INTERVAL_S, description="seconds between runs"
    )
    misfire: str = "run_once"

    @field_validator("cron")
    @classmethod
    def _crontab(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        from datetime import UTC

        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(value, timezone=UTC)
        except ValueError as exc:
            raise ValueError(
                f"schedule_cron {value!r}: {exc} (five fields: minute hour day month weekday)"
            ) from exc
        return value

    @field_validator("misfire")
    @classmethod
    def _policy(cls, value: str) -> str:
        if value not in MISFIRE_POLICIES:
            raise ValueError(
                f"misfire_policy {value!r}: expected one of {', '.join(MISFIRE_POLICIES)}"
            )
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> Schedule:
        if self.cron and self.interval_s:
            raise ValueError("give schedule_cron or schedule_interval_s, not both")
        return self


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

    @field_validator("platforms")
    @classmethod
    def _known_platforms(cls, values: list[str], info: ValidationInfo) -> list[str]:
        known = _context(info).get("profiles")
        if known is None:
            return values
        unknown = [v for v in values if v not in known]
        if unknown:
            raise ValueError(
                f"unknown platform(s) {', '.join(unknown)}; known profiles: "
                f"{', '.join(sorted(known)) or 'none'}"
            )
        return values

    @field_validator("base_urls")
    @classmethod
    def _public_http_urls(cls, values: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        allow_private = bool(_context(info).get("allow_private_networks", True))
        for key, url in values.items():
            problem = base_url_problem(url, allow_private)
            if problem:
                raise ValueError(f"base URL of {key!r} ({url[:200]!r}): {problem}")
        return values


def _context(info: ValidationInfo) -> dict[str, Any]:
    return info.context if isinstance(info.context, dict) else {}


def base_url_problem(url: str, allow_private_networks: bool) -> str | None:
    """Why ``url`` cannot be a platform's base URL, or None.

    It must be http(s) with a host; unless private networks are allowed, a
    literal address must be public (``evidence.netguard.is_public_ip``) and
    ``localhost`` is refused.  Host names are resolved and checked again by the
    crawl's own guard when the crawl runs.
    """
    from urllib.parse import urlsplit

    from evidence import ALLOWED_SCHEMES, is_public_ip

    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").rstrip(".").lower()
    except ValueError as exc:
        return f"not a URL: {exc}"
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        return f"scheme {parts.scheme or '(none)'!r} is not http or https"
    if not host:
        return "it has no host"
    if allow_private_networks:
        return None
    if host == "localhost" or host.endswith(".localhost"):
        return f"{host} is loopback (allow_private_networks is off)"
    import ipaddress

    try:
        ipaddress.ip_address(host)
    except ValueError:
        return None
    if not is_public_ip(host):
        return f"{host} is not a public address (allow_private_networks is off)"
    return None


def validation_context(profiles_dir: Path, allow_private_networks: bool) -> dict[str, Any]:
    """What :func:`validate_campaign` checks against: the profiles that exist, the network policy."""
    from spiders import load_profiles

    return {
        "profiles": frozenset(load_profiles(profiles_dir)),
        "allow_private_networks": allow_private_networks,
    }


def validate_campaign(data: Any, context: dict[str, Any]) -> CampaignSpec:
    """A campaign as entered (API or CLI): the model plus the platform and address checks."""
    return CampaignSpec.model_validate(data, context=context)


def campaign_problems(exc: ValidationError) -> str:
    """A ValidationError as one line naming each field."""
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'campaign'}: "
        f"{e['msg'].removeprefix('Value error, ')}"
        for e in exc.errors()
    )


def parse_campaign(data: Any, source: Path | str) -> CampaignSpec:
    if not isinstance(data, dict):
        raise CampaignError(f"{source}: a campaign must be a mapping")
    try:
        return CampaignSpec.model_validate(data)
    except ValidationError as exc:
        raise CampaignError(f"{source}: {campaign_problems(exc)}") from exc


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


def adjust_spec(
    spec: CampaignSpec, base_urls: dict[str, str], ignore_robots: bool = False
) -> CampaignSpec:
    """The spec with command-line overrides: base URLs per platform, robots.txt ignored."""
    spec = spec.model_copy(update={"base_urls": {**spec.base_urls, **base_urls}})
    if ignore_robots:
        spec = spec.model_copy(update={"obey_robots": False})
    unknown = sorted(set(base_urls) - set(spec.platforms))
    if unknown:
        raise CampaignError(f"--base-url names {', '.join(unknown)}, not platforms of {spec.name}")
    return spec
