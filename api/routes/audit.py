"""The audit log: who changed what, when (supervisors and admins)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.deps import SessionDep, SupervisorUser
from api.queries import aware_utc
from api.schemas import AuditOut, Page
from store import AuditEntry

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


def audit_page(
    session: Session,
    *,
    actor: str = "",
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[AuditEntry], int]:
    conds = []
    if actor:
        conds.append(AuditEntry.actor == actor)
    if action:
        conds.append(AuditEntry.action.startswith(action, autoescape=True))
    if object_type:
        conds.append(AuditEntry.object_type == object_type)
    if object_id:
        conds.append(AuditEntry.object_id == object_id)
    if since is not None:
        conds.append(AuditEntry.at >= since)
    if until is not None:
        conds.append(AuditEntry.at < until)
    rows = list(
        session.scalars(
            select(AuditEntry)
            .where(*conds)
            .order_by(AuditEntry.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )
    total = session.scalar(select(func.count()).select_from(AuditEntry).where(*conds)) or 0
    return rows, int(total)


@router.get("", response_model=Page[AuditOut])
def list_audit(
    user: SupervisorUser,
    session: SessionDep,
    actor: Annotated[str, Query(max_length=120)] = "",
    action: Annotated[str, Query(max_length=64, description="prefix, e.g. review.")] = "",
    object_type: Annotated[str, Query(max_length=64)] = "",
    object_id: Annotated[str, Query(max_length=64)] = "",
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Page[AuditOut]:
    """Audit entries, newest first, filtered by actor, action prefix, object and time."""
    rows, total = audit_page(
        session,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        since=aware_utc(since),
        until=aware_utc(until),
        limit=limit,
        offset=offset,
    )
    return Page[AuditOut](
        items=[AuditOut.model_validate(r) for r in rows], total=total, limit=limit, offset=offset
    )
