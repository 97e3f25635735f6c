"""Actors: who is behind listings across platforms; profiles, merge, split and transfer to an office."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from sqlalchemy import func, select

from api.actors import actor_detail, actor_summary
from api.config import ApiSettings
from api.deps import CurrentUser, PathId, SessionDep, SettingsDep, SupervisorUser, actor_name
from api.schemas import ActorDetail, ActorSummary, MergeIn, Page, SplitIn, TransferIn
from classifiers import OfficeDirectory, OfficeError, load_directory
from store import (
    Actor,
    ActorError,
    Listing,
    OfficeTransferError,
    build_profile,
    load_registry,
    merge_actors,
    split_actor,
    transfer_actor,
)

router = APIRouter(prefix="/api/v1/actors", tags=["actors"])


def directory_for(settings: ApiSettings) -> OfficeDirectory:
    try:
        return load_directory(settings.rules_dir)
    except OfficeError as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"office list: {exc}") from exc


def _actor(session: SessionDep, actor_id: int) -> Actor:
    actor = session.get(Actor, actor_id)
    if actor is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no actor {actor_id}")
    return actor


@router.get("", response_model=Page[ActorSummary], responses={422: {}})
def list_actors(
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    office: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
    min_platforms: Annotated[int, Query(ge=1, le=50)] = 1,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Page[ActorSummary]:
    """Actors with listings, most platforms and listings first; `office` keeps one office's cases."""
    platforms = func.count(func.distinct(Listing.platform_id))
    query = (
        select(Actor.id)
        .join(Listing, Listing.actor_id == Actor.id)
        .where(Actor.merged_into_id.is_(None))
        .group_by(Actor.id)
        .having(platforms >= min_platforms)
    )
    if office is not None:
        query = query.where(Actor.office_code == office)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ids = session.scalars(
        query.order_by(platforms.desc(), func.count(Listing.id).desc(), Actor.id)
        .limit(limit)
        .offset(offset)
    ).all()
    directory = directory_for(settings)
    registry = load_registry(session)
    items = [
        actor_summary(build_profile(session, _actor(session, i), registry=registry), directory)
        for i in ids
    ]
    return Page[ActorSummary](items=items, total=total, limit=limit, offset=offset)


@router.get("/{actor_id}", response_model=ActorDetail, responses={404: {}})
def get_actor(
    actor_id: PathId, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> ActorDetail:
    """One actor: listings across platforms and time, categories, shops, contacts, evidence,
    notices and outcomes, reappearances after removal, the register's view and the risk score
    with its parts.  A merged actor answers with `merged_into_id` and no listings."""
    actor = _actor(session, actor_id)
    return actor_detail(session, build_profile(session, actor), directory_for(settings))


@router.post("/{actor_id}/merge", response_model=ActorDetail, responses={404: {}, 409: {}, 422: {}})
def merge(
    actor_id: PathId, body: MergeIn, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> ActorDetail:
    """Merge this actor into `into` (its listings and contacts move); the reason is audited."""
    _actor(session, actor_id)
    _actor(session, body.into)
    try:
        target = merge_actors(session, actor_id, body.into, by=actor_name(user), reason=body.reason)
    except ActorError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    session.commit()
    return actor_detail(session, build_profile(session, target), directory_for(settings))


@router.post(
    "/{actor_id}/split",
    response_model=ActorDetail,
    status_code=201,
    responses={404: {}, 409: {}, 422: {}},
)
def split(
    actor_id: PathId, body: SplitIn, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> ActorDetail:
    """Move `listing_ids` to a new actor; the two are kept apart from then on.  Returns the new actor."""
    _actor(session, actor_id)
    try:
        new = split_actor(
            session,
            actor_id,
            body.listing_ids,
            by=actor_name(user),
            reason=body.reason,
            label=body.label,
        )
    except ActorError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    session.commit()
    return actor_detail(session, build_profile(session, new), directory_for(settings))


@router.post(
    "/{actor_id}/transfer",
    response_model=ActorDetail,
    responses={403: {}, 404: {}, 409: {}, 422: {}},
)
def transfer(
    actor_id: PathId,
    body: TransferIn,
    user: SupervisorUser,
    session: SessionDep,
    settings: SettingsDep,
) -> ActorDetail:
    """Hand the case (the actor and its findings) to another office, with a note; supervisors only."""
    _actor(session, actor_id)
    directory = directory_for(settings)
    try:
        actor = transfer_actor(
            session, directory, actor_id, body.office, by=actor_name(user), note=body.note
        )
    except (OfficeTransferError, OfficeError) as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    session.commit()
    return actor_detail(session, build_profile(session, actor), directory)
