"""Actor profiles as API models: the store's profile, the office directory's names, the risk parts."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy.orm import Session

from api.present import summary
from api.schemas import (
    ActorDetail,
    ActorListingOut,
    ActorSummary,
    OfficeAssignment,
    RegisterOut,
    RiskOut,
    RiskPartOut,
)
from classifiers import OfficeDirectory, OfficeError, load_directory
from store import CONFIRMED_STATUSES as CONFIRMED
from store import ActorProfile, assign_offices

log = logging.getLogger(__name__)


def office_of(
    directory: OfficeDirectory, code: str | None, source: str | None, reason: str
) -> OfficeAssignment:
    office = directory.by_code.get(code or "")
    return OfficeAssignment(
        code=code, name=office.name if office else None, source=source, reason=reason or ""
    )


def risk_out(profile: ActorProfile) -> RiskOut:
    return RiskOut(
        score=profile.risk.score,
        level=profile.risk.level,
        parts=[
            RiskPartOut(key=p.key, label=p.label, points=p.points, detail=p.detail)
            for p in profile.risk.parts
        ],
    )


def actor_summary(profile: ActorProfile, directory: OfficeDirectory) -> ActorSummary:
    actor = profile.actor
    return ActorSummary(
        id=actor.id,
        label=actor.label,
        listings=len(profile.listings),
        confirmed=sum(1 for x in profile.listings if x.status in CONFIRMED),
        platforms=profile.platforms,
        office=office_of(directory, actor.office_code, actor.office_source, actor.office_reason),
        risk=risk_out(profile),
    )


def actor_detail(
    session: Session, profile: ActorProfile, directory: OfficeDirectory
) -> ActorDetail:
    base = actor_summary(profile, directory)
    items = [
        ActorListingOut(
            **summary(x, x.platform.key).model_dump(),
            removed_at=x.removed_at,
            pinned=x.actor_pinned,
            office=office_of(directory, x.office_code, x.office_source, x.office_reason),
        )
        for x in profile.listings
    ]
    return ActorDetail(
        **base.model_dump(),
        merged_into_id=profile.actor.merged_into_id,
        categories=profile.categories,
        shops=profile.shops,
        contacts=profile.contacts,
        agency_names=profile.agency_names,
        licence_register=RegisterOut(
            status=profile.register.status,
            label=profile.register.label,
            findings=[{"status": f.status, "detail": f.detail} for f in profile.register.findings],
        ),
        items=items,
        evidence=[
            {
                "capture_uid": c.capture_uid,
                "listing_id": c.listing_id,
                "captured_at": c.captured_at,
                "manifest_sha256": c.manifest_sha256,
                "reason": c.reason,
                "verified_ok": c.verified_ok,
            }
            for c in profile.evidence
        ],
        notices=profile.notices,
        reappearances=profile.reappearances,
        separated_from=profile.separated_from,
    )


def office_on_confirm(
    session: Session, rules_dir: Path, fallback: str, listing_ids: list[int]
) -> None:
    """A confirmed finding gets its responsible office at once (with the reason); a broken office
    list is logged and leaves the finding for ``lantian case assign-offices``."""
    if not listing_ids:
        return
    try:
        directory = load_directory(rules_dir)
        assign_offices(session, directory, fallback_code=fallback, listing_ids=listing_ids)
    except OfficeError as exc:
        log.warning("responsible office not assigned: %s", exc)
