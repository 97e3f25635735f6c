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
from typing import TYPE_CHECKING, Any

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

__public_modules__ = ()


if TYPE_CHECKING:
    from takedown.capture import BrowserRecapturer
    from takedown.casefile import export_case_package
    from takedown.categories import default_catalog
    from takedown.config import TakedownSettings
    from takedown.escalation import escalation_files
    from takedown.export import (
        LETTER_FORMATS,
        ExportedFile,
        export_documents,
        export_notices,
        parse_format,
        write_files,
    )
    from takedown.fetch import Verdict as RecheckVerdict
    from takedown.letter import BlockKind, render_letter
    from takedown.recheck import RecheckReport, recheck_due, recheck_notice
    from takedown.reports import HEADERS as REPORT_HEADERS
    from takedown.reports import (
        MonthlyReport,
        monthly_summary,
        report_charts,
        report_html,
        report_xlsx,
    )
    from takedown.transfer import export_transfer
    from takedown.workflow import Actor as NoticeActor
    from takedown.workflow import allowed_targets

_LAZY = {
    "BrowserRecapturer": "takedown.capture",
    "export_case_package": "takedown.casefile",
    "default_catalog": "takedown.categories",
    "TakedownSettings": "takedown.config",
    "escalation_files": "takedown.escalation",
    "ExportedFile": "takedown.export",
    "LETTER_FORMATS": "takedown.export",
    "export_documents": "takedown.export",
    "export_notices": "takedown.export",
    "parse_format": "takedown.export",
    "write_files": "takedown.export",
    "RecheckVerdict": "takedown.fetch:Verdict",
    "BlockKind": "takedown.letter",
    "render_letter": "takedown.letter",
    "RecheckReport": "takedown.recheck",
    "recheck_due": "takedown.recheck",
    "recheck_notice": "takedown.recheck",
    "MonthlyReport": "takedown.reports",
    "monthly_summary": "takedown.reports",
    "report_charts": "takedown.reports",
    "report_html": "takedown.reports",
    "report_xlsx": "takedown.reports",
    "REPORT_HEADERS": "takedown.reports:HEADERS",
    "export_transfer": "takedown.transfer",
    "allowed_targets": "takedown.workflow",
    "NoticeActor": "takedown.workflow:Actor",
}


def __getattr__(name: str) -> Any:
    """Exporters, re-checks and reports load on first use (office formats, HTTP, the browser)."""
    if name in _LAZY:
        module, _, attr = _LAZY[name].partition(":")
        return getattr(importlib.import_module(module), attr or name)
    raise AttributeError(f"module 'takedown' has no attribute {name!r}")


__all__ = [
    "BlockKind",
    "BrowserRecapturer",
    "DraftResult",
    "ExportError",
    "ExportFormat",
    "ExportedFile",
    "InvalidTransition",
    "LETTER_FORMATS",
    "MonthlyReport",
    "NoticeActor",
    "NoticeDocument",
    "NoticeNotFound",
    "Office",
    "PermissionDenied",
    "PlatformConfigError",
    "PlatformRegistry",
    "REPORT_HEADERS",
    "RecheckReport",
    "RecheckVerdict",
    "TRANSITIONS",
    "TakedownError",
    "TakedownSettings",
    "UnknownUser",
    "acknowledge",
    "allowed_targets",
    "approve",
    "build_document",
    "default_catalog",
    "draft_notices",
    "escalation_files",
    "export_case_package",
    "export_documents",
    "export_notices",
    "export_transfer",
    "find_notice",
    "find_user",
    "load_platforms",
    "mark_sent",
    "monthly_summary",
    "notice_document",
    "office_from",
    "parse_format",
    "recheck_due",
    "recheck_notice",
    "render_letter",
    "report_charts",
    "report_html",
    "report_xlsx",
    "transition",
    "write_files",
]
