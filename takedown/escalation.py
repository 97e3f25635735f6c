"""The escalation letter (督办函): a platform let a notice's deadline pass with listings still online.

The deadline is counted in Chinese working days (``takedown.workdays``); the
re-check flags ``escalation_due`` once it has passed.  The letter is the same
channel template as the notice (``kind = "escalation"`` switches its title and
opening), lists only the listings still online or back online, and sets a new,
shorter deadline.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from store import ItemStatus, TakedownNotice, audit
from takedown.categories import CategoryCatalog
from takedown.document import ESCALATION_WORKING_DAYS, build_escalation_document
from takedown.errors import TakedownError
from takedown.export import ExportedFile, export_documents
from takedown.platforms import ExportFormat, PlatformRegistry
from takedown.workflow import OPEN_STATUSES


def escalation_files(
    session: Session,
    notice: TakedownNotice,
    formats: list[ExportFormat],
    *,
    office_name: str,
    office_contact: str,
    now: datetime,
    by: str,
    working_days: int = ESCALATION_WORKING_DAYS,
    registry: PlatformRegistry | None = None,
    catalog: CategoryCatalog | None = None,
) -> list[ExportedFile]:
    """Letters ``<reference>-escalation.<ext>``; the notice records when it was escalated (audited)."""
    if notice.status not in OPEN_STATUSES:
        raise TakedownError(
            f"notice {notice.reference} is {notice.status.value}; nothing to escalate"
        )
    pending = [i for i in notice.items if i.status is not ItemStatus.removed]
    if notice.deadline is None or now <= notice.deadline or not pending:
        raise TakedownError(
            f"notice {notice.reference} is not overdue (deadline "
            f"{notice.deadline.isoformat() if notice.deadline else 'none'}, {len(pending)} listing(s) online)"
        )
    doc = build_escalation_document(
        session, notice, office_name=office_name, office_contact=office_contact, now=now,
        working_days=working_days, registry=registry, catalog=catalog,
    )  # fmt: skip
    files: list[ExportedFile] = []
    for fmt in formats:
        for f in export_documents([doc], fmt, registry):
            stem, _, ext = f.name.rpartition(".")
            files.append(replace(f, name=f"{stem}-escalation.{ext}"))
    notice.escalated_at = notice.escalated_at or now
    audit.record(
        session, by, "takedown.escalate", "takedown_notice", notice.id,
        reference=notice.reference, listings=[i.listing_id for i in doc.items],
        new_deadline=doc.deadline.isoformat() if doc.deadline else None,
    )  # fmt: skip
    session.flush()
    return files
