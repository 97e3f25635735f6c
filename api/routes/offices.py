"""Offices: the directory (rules/offices.yaml) and deriving the responsible office of each finding."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from api.deps import CurrentUser, SessionDep, SettingsDep, SupervisorUser, actor_name
from api.office_stats import office_stats
from api.routes.actors import directory_for
from api.schemas import AssignOfficesOut, OfficeOut, OfficeStatsOut
from classifiers import OfficeError
from store import assign_offices, audit

router = APIRouter(prefix="/api/v1/offices", tags=["offices"])


@router.get("", response_model=list[OfficeOut])
def list_offices(user: CurrentUser, settings: SettingsDep) -> list[OfficeOut]:
    """Provincial and city IP offices with their codes."""
    return [
        OfficeOut(code=o.code, name=o.name, level=o.level, region=o.region, parent=o.parent)
        for o in directory_for(settings).offices
    ]


@router.get("/stats", response_model=OfficeStatsOut, responses={422: {}})
def stats(
    user: CurrentUser,
    session: SessionDep,
    office: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
) -> OfficeStatsOut:
    """Findings per responsible office and how each office was derived; with `office`, that
    office's findings (a province includes its cities) by category, platform and status."""
    return OfficeStatsOut(**office_stats(session, office).__dict__)


@router.post("/assign", response_model=AssignOfficesOut, responses={403: {}, 503: {}})
def assign(user: SupervisorUser, session: SessionDep, settings: SettingsDep) -> AssignOfficesOut:
    """Derive the responsible office of every finding and actor (transfers are kept)."""
    try:
        report = assign_offices(
            session, directory_for(settings), fallback_code=settings.office_code
        )
    except OfficeError as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc)) from exc
    audit.record(session, actor_name(user), "offices.assign", "listing", "", **report.__dict__)
    session.commit()
    return AssignOfficesOut(
        listings=report.listings, actors=report.actors, by_source=report.by_source
    )
