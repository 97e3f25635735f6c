"""Takedown notices per platform, their exports, status tracking, re-checks and monthly reports.

Public surface; the rest is internal:

- ``draft_notices(session, actor, platform_key=None, now=None) -> DraftResult``
- ``transition(session, notice, target, actor, at=None, note="")``, ``approve``, ``mark_sent``,
  ``acknowledge``; ``find_notice(session, ref)``, ``find_user(session, username)``
- ``build_document(session, notice, office_name=..., office_contact=...) -> NoticeDocument``;
  ``Office``/``office_from(settings)``/``notice_document(session, notice, office)``: the
  requesting office as one value
- ``export_notices(session, notices, fmt, office_name=..., office_contact=...) -> list[ExportedFile]``
- ``recheck_notice(session, notice, settings, ...) -> RecheckReport``,
  ``recheck_due(session, settings, ...) -> list[RecheckReport]`` (the scheduler's job)
- ``monthly_summary(session, "2026-11", office_name) -> MonthlyReport``, ``report_xlsx``, ``report_html``
- ``load_platforms(path=None) -> PlatformRegistry``
"""

import importlib
from typing import Any

from takedown.document import NoticeDocument, build_document
from takedown.errors import (
    ExportError,
    InvalidTransition,
    NoticeNotFound,
    PermissionDenied,
    PlatformConfigError,
    TakedownError,
    UnknownUser,
)
from takedown.grouping import DraftResult, draft_notices
from takedown.office import Office, notice_document, office_from
from takedown.platforms import ExportFormat, PlatformRegistry, load_platforms
from takedown.workflow import (
    TRANSITIONS,
    acknowledge,
    approve,
    find_notice,
    find_user,
    mark_sent,
    transition,
)

_LAZY = {
    "ExportedFile": "takedown.export",
    "export_documents": "takedown.export",
    "export_notices": "takedown.export",
    "RecheckReport": "takedown.recheck",
    "recheck_due": "takedown.recheck",
    "recheck_notice": "takedown.recheck",
    "MonthlyReport": "takedown.reports",
    "monthly_summary": "takedown.reports",
    "report_html": "takedown.reports",
    "report_xlsx": "takedown.reports",
}


def __getattr__(name: str) -> Any:
    """Exporters, re-checks and reports load on first use (office formats, HTTP, the browser)."""
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'takedown' has no attribute {name!r}")


__all__ = [
    "TRANSITIONS",
    "DraftResult",
    "ExportError",
    "ExportFormat",
    "ExportedFile",
    "InvalidTransition",
    "MonthlyReport",
    "NoticeDocument",
    "NoticeNotFound",
    "Office",
    "PermissionDenied",
    "PlatformConfigError",
    "PlatformRegistry",
    "RecheckReport",
    "TakedownError",
    "UnknownUser",
    "acknowledge",
    "approve",
    "build_document",
    "draft_notices",
    "export_documents",
    "export_notices",
    "find_notice",
    "find_user",
    "load_platforms",
    "mark_sent",
    "monthly_summary",
    "notice_document",
    "office_from",
    "recheck_due",
    "recheck_notice",
    "report_html",
    "report_xlsx",
    "transition",
]
