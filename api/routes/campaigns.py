"""Campaigns (keywords x platforms x schedule) and their runs.

Reading is open to every user; creating, editing, pausing and starting need a
supervisor.  Runs are launched by ``campaigns.start_run`` (a crawl process).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Response, status
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.config import ApiSettings
from api.deps import CurrentUser, PathId, SessionDep, SettingsDep, actor_name, require_permission
from api.schemas import CampaignIn, CampaignOut, CampaignUpdate, RunOut
from store import Campaign, CampaignRun, Listing, User, audit

router = APIRouter(prefix="/api/v1", tags=["campaigns"])


def _spec(data: dict[str, Any], settings: ApiSettings) -> Any:
    """Validate through the crawler's campaign model with the same checks as the CLI: the cron
    line by the scheduler's parser, platforms against the profiles, base URLs by the address guard."""
    from campaigns import campaign_problems, validate_campaign, validation_context

    context = validation_context(settings.profiles_dir, settings.allow_private_networks)
    try:
        return validate_campaign(data, context)
    except ValidationError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, campaign_problems(exc)) from exc


def _get(session: Session, campaign_id: int) -> Campaign:
    row = session.get(Campaign, campaign_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no campaign {campaign_id}")
    return row


@router.get("/campaigns", response_model=list[CampaignOut])
def list_campaigns(user: CurrentUser, session: SessionDep) -> list[CampaignOut]:
    """All campaigns, by name."""
    return [
        CampaignOut.model_validate(c)
        for c in session.scalars(select(Campaign).order_by(Campaign.name))
    ]


@router.post(
    "/campaigns", response_model=CampaignOut, status_code=201, responses={409: {}, 422: {}}
)
def create_campaign(
    body: CampaignIn,
    user: Annotated[User, Depends(require_permission("campaign", "create"))],
    session: SessionDep,
    settings: SettingsDep,
) -> CampaignOut:
    """Create a campaign."""
    from campaigns import upsert_campaign

    if session.scalar(select(Campaign.id).where(Campaign.name == body.name)) is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, f"campaign {body.name!r} exists")
    spec = _spec(
        {
            "name": body.name,
            "description": body.description,
            "keywords": body.keywords,
            "platforms": body.platforms,
            "limits": body.limits,
            "schedule": {"cron": body.schedule_cron, "interval_s": body.schedule_interval_s},
            "obey_robots": body.obey_robots,
        },
        settings,
    )
    row = upsert_campaign(session, spec)
    audit.record(session, actor_name(user), "campaign.create", "campaign", row.id, name=row.name)
    session.commit()
    return CampaignOut.model_validate(row)


@router.get("/campaigns/{campaign_id}", response_model=CampaignOut, responses={404: {}})
def get_campaign(campaign_id: PathId, user: CurrentUser, session: SessionDep) -> CampaignOut:
    """One campaign."""
    return CampaignOut.model_validate(_get(session, campaign_id))


@router.patch("/campaigns/{campaign_id}", response_model=CampaignOut, responses={404: {}, 422: {}})
def update_campaign(
    campaign_id: PathId,
    body: CampaignUpdate,
    user: Annotated[User, Depends(require_permission("campaign", "update"))],
    session: SessionDep,
    settings: SettingsDep,
) -> CampaignOut:
    """Change a campaign's keywords, platforms, limits, schedule or robots policy."""
    from campaigns import spec_from_row, upsert_campaign

    row = _get(session, campaign_id)
    try:
        current = spec_from_row(row).model_dump()
    except ValidationError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, f"stored campaign is invalid: {exc}") from exc
    changes = body.model_dump(exclude_unset=True)
    for key in ("description", "keywords", "platforms", "obey_robots"):
        if key in changes and changes[key] is not None:
            current[key] = changes[key]
    if changes.get("limits") is not None:
        current["limits"] = {**current["limits"], **changes["limits"]}
    if "schedule_cron" in changes:
        current["schedule"]["cron"] = changes["schedule_cron"]
    if "schedule_interval_s" in changes:
        current["schedule"]["interval_s"] = changes["schedule_interval_s"]
    spec = _spec(current, settings)
    upsert_campaign(session, spec)
    audit.record(
        session, actor_name(user), "campaign.update", "campaign", row.id, changed=sorted(changes)
    )
    session.commit()
    return CampaignOut.model_validate(row)


@router.delete("/campaigns/{campaign_id}", status_code=204, responses={404: {}, 409: {}})
def delete_campaign(
    campaign_id: PathId,
    user: Annotated[User, Depends(require_permission("campaign", "delete"))],
    session: SessionDep,
) -> Response:
    """Delete a campaign that never ran (one with runs or listings is kept: pause it instead)."""
    row = _get(session, campaign_id)
    runs = session.scalar(select(func.count()).where(CampaignRun.campaign_id == row.id)) or 0
    found = session.scalar(select(func.count()).where(Listing.first_campaign_id == row.id)) or 0
    if runs or found:
        raise HTTPException(
            status.HTTP_409_CONFLICT, "campaign has runs or listings; pause it instead"
        )
    audit.record(session, actor_name(user), "campaign.delete", "campaign", row.id, name=row.name)
    session.delete(row)
    return Response(status_code=204)


def _set_paused(campaign_id: int, paused: bool, user: Any, session: Session) -> CampaignOut:
    row = _get(session, campaign_id)
    row.paused = paused
    audit.record(
        session,
        actor_name(user),
        "campaign.pause" if paused else "campaign.resume",
        "campaign",
        row.id,
    )
    session.commit()
    return CampaignOut.model_validate(row)


@router.post("/campaigns/{campaign_id}/pause", response_model=CampaignOut, responses={404: {}})
def pause_campaign(
    campaign_id: PathId,
    user: Annotated[User, Depends(require_permission("campaign", "pause"))],
    session: SessionDep,
) -> CampaignOut:
    """Stop scheduling the campaign (running crawls continue)."""
    return _set_paused(campaign_id, True, user, session)


@router.post("/campaigns/{campaign_id}/resume", response_model=CampaignOut, responses={404: {}})
def resume_campaign(
    campaign_id: PathId,
    user: Annotated[User, Depends(require_permission("campaign", "resume"))],
    session: SessionDep,
) -> CampaignOut:
    """Schedule the campaign again."""
    return _set_paused(campaign_id, False, user, session)


@router.get("/campaigns/{campaign_id}/runs", response_model=list[RunOut], responses={404: {}})
def list_runs(campaign_id: PathId, user: CurrentUser, session: SessionDep) -> list[RunOut]:
    """The campaign's runs, newest first, with their progress counters."""
    _get(session, campaign_id)
    rows = session.scalars(
        select(CampaignRun)
        .where(CampaignRun.campaign_id == campaign_id)
        .order_by(CampaignRun.id.desc())
        .limit(100)
    )
    return [RunOut.model_validate(r) for r in rows]


@router.post(
    "/campaigns/{campaign_id}/runs",
    response_model=RunOut,
    status_code=202,
    responses={404: {}, 409: {}},
)
def start_campaign_run(
    campaign_id: PathId,
    user: Annotated[User, Depends(require_permission("campaign", "run"))],
    session: SessionDep,
    settings: SettingsDep,
) -> RunOut:
    """Start a run now (a crawl process); 409 when one is already queued or running."""
    from campaigns import CampaignNotFound, RunAlreadyActive, start_run

    _get(session, campaign_id)
    session.commit()
    try:
        run_id = start_run(settings, campaign_id, trigger="manual")
    except CampaignNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except RunAlreadyActive as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    audit.record(
        session, actor_name(user), "run.start", "campaign_run", run_id, campaign_id=campaign_id
    )
    run = session.get(CampaignRun, run_id)
    if run is None:
        raise HTTPException(status.HTTP_500_INTERNAL_SERVER_ERROR, f"run {run_id} vanished")
    return RunOut.model_validate(run)


@router.get("/runs/{run_id}", response_model=RunOut, responses={404: {}})
def get_run(run_id: PathId, user: CurrentUser, session: SessionDep) -> RunOut:
    """One run: status, start and end, Scrapy's and our counters, error."""
    run = session.get(CampaignRun, run_id)
    if run is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no run {run_id}")
    return RunOut.model_validate(run)


@router.post("/runs/{run_id}/cancel", response_model=RunOut, responses={404: {}, 409: {}})
def cancel_campaign_run(
    run_id: PathId,
    user: Annotated[User, Depends(require_permission("campaign", "cancel"))],
    session: SessionDep,
    settings: SettingsDep,
) -> RunOut:
    """Stop a queued or running run."""
    from campaigns import RunNotActive, RunNotFound, RunOnOtherHost, cancel_run

    try:
        cancel_run(settings, run_id)
    except RunNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except (RunNotActive, RunOnOtherHost) as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    audit.record(session, actor_name(user), "run.cancel", "campaign_run", run_id)
    session.expire_all()
    run = session.get(CampaignRun, run_id)
    if run is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no run {run_id}")
    return RunOut.model_validate(run)
