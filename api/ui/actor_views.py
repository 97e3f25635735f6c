"""Actor pages of the reviewer UI: the list by office, the profile, merge / split / transfer forms.

The forms post here with the CSRF token as a form field (checked by the UI
dependencies like every other UI post) and redirect back, so the pages work
without JavaScript.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select

from api.actors import actor_detail, actor_summary
from api.deps import PathId, SessionDep, SettingsDep, UIUser, actor_name, require_ui_role
from api.routes.actors import directory_for
from api.ui.views import render
from classifiers import OfficeError
from store import (
    Actor,
    ActorError,
    Listing,
    OfficeTransferError,
    Role,
    User,
    build_profile,
    load_registry,
    merge_actors,
    split_actor,
    transfer_actor,
)

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
SOURCE_NAMES = {
    "agency_address": "机构登记地址",
    "shop_region": "页面自述地址",
    "landline": "固话区号",
    "mobile_prefix": "手机号段",
    "platform_region": "平台所在地",
    "fallback": "监测单位兜底",
    "transfer": "移交",
}
REGISTER_CLASS = {
    "revoked": "bad",
    "unlicensed": "bad",
    "agent_elsewhere": "warn",
    "licensed": "ok",
    "unnamed": "none",
}


def _back(actor_id: int, message: str, error: bool = False) -> Response:
    key = "error" if error else "done"
    return RedirectResponse(f"/actors/{actor_id}?{key}={quote(message)}", status_code=303)


@router.get("/actors", response_class=HTMLResponse)
def actors_page(
    request: Request,
    user: UIUser,
    session: SessionDep,
    settings: SettingsDep,
    office: Annotated[str, Query(pattern=r"^(\d{6})?$")] = "",
    min_platforms: Annotated[int, Query(ge=1, le=50)] = 1,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    platforms = func.count(func.distinct(Listing.platform_id))
    query = (
        select(Actor.id)
        .join(Listing, Listing.actor_id == Actor.id)
        .where(Actor.merged_into_id.is_(None))
        .group_by(Actor.id)
        .having(platforms >= min_platforms)
    )
    if office:
        query = query.where(
            Actor.office_code.like(f"{office[:2]}%")
            if office.endswith("0000")
            else Actor.office_code == office
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ids = session.scalars(
        query.order_by(platforms.desc(), func.count(Listing.id).desc(), Actor.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    directory = directory_for(settings)
    registry = load_registry(session)
    rows = []
    for actor_id in ids:
        actor = session.get(Actor, actor_id)
        assert actor is not None
        rows.append(actor_summary(build_profile(session, actor, registry=registry), directory))
    return render(
        request,
        "actors.html",
        user,
        rows=rows,
        total=total,
        page=page,
        pages=max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE),
        office=office,
        min_platforms=min_platforms,
        SOURCE_NAMES=SOURCE_NAMES,
    )


@router.get("/actors/{actor_id}", response_class=HTMLResponse)
def actor_page(
    request: Request,
    actor_id: PathId,
    user: UIUser,
    session: SessionDep,
    settings: SettingsDep,
    done: Annotated[str, Query(max_length=300)] = "",
    error: Annotated[str, Query(max_length=300)] = "",
) -> HTMLResponse:
    actor = session.get(Actor, actor_id)
    if actor is None:
        return render(request, "error.html", user, status_code=404, title="未找到",
                      message=f"没有编号为 {actor_id} 的主体。")  # fmt: skip
    directory = directory_for(settings)
    data = actor_detail(session, build_profile(session, actor), directory)
    return render(
        request,
        "actor.html",
        user,
        actor=data,
        done=done,
        error=error,
        SOURCE_NAMES=SOURCE_NAMES,
        REGISTER_CLASS=REGISTER_CLASS,
    )


@router.post("/actors/{actor_id}/merge")
def merge_form(
    actor_id: PathId,
    user: UIUser,
    session: SessionDep,
    into: Annotated[int, Form(ge=1, le=2**62)],
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        target = merge_actors(session, actor_id, into, by=actor_name(user), reason=reason)
    except ActorError as exc:
        return _back(actor_id, str(exc), error=True)
    session.commit()
    return _back(target.id, f"已将主体{actor_id}并入本主体")


@router.post("/actors/{actor_id}/split")
def split_form(
    actor_id: PathId,
    user: UIUser,
    session: SessionDep,
    listing_id: Annotated[list[int], Form()],
    reason: Annotated[str, Form(max_length=2000)] = "",
    label: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    try:
        new = split_actor(
            session, actor_id, listing_id, by=actor_name(user), reason=reason, label=label
        )
    except ActorError as exc:
        return _back(actor_id, str(exc), error=True)
    session.commit()
    return _back(new.id, f"已从主体{actor_id}拆分出本主体")


@router.post("/actors/{actor_id}/transfer")
def transfer_form(
    actor_id: PathId,
    user: Annotated[User, Depends(require_ui_role(Role.supervisor))],
    session: SessionDep,
    settings: SettingsDep,
    office: Annotated[str, Form(pattern=r"^\d{6}$")],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    directory = directory_for(settings)
    try:
        transfer_actor(session, directory, actor_id, office, by=actor_name(user), note=note)
    except (OfficeTransferError, OfficeError) as exc:
        return _back(actor_id, str(exc), error=True)
    session.commit()
    return _back(actor_id, f"已移交{directory.by_code[office].name}")
