"""The append-only audit log: one call per state change."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from store.models import AuditEntry


def record(
    session: Session,
    actor: str,
    action: str,
    object_type: str,
    object_id: object = "",
    **detail: Any,
) -> AuditEntry:
    """Append who did what to which object; flushed with the caller's unit of work."""
    entry = AuditEntry(
        actor=actor, action=action, object_type=object_type, object_id=str(object_id), detail=detail
    )
    session.add(entry)
    return entry
