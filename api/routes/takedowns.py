"""Takedown notices: REST under ``/api/v1/takedowns`` (the UI pages are ``api.ui.takedown_views``).

Approval needs a supervisor (``require_role``); the same rule is enforced
again by ``takedown.workflow``, so no path around it exists.  Request and response
models are in ``api.schemas``.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from api.config import ApiSettings
from api.deps import CurrentUser, SessionDep, SettingsDep, SupervisorUser
from api.notices import move_notice, notice_detail, notice_or_404, notice_out, query_notices
from api.schemas import (
    DraftIn,
    DraftOut,
    NoticeDetail,
    NoticeOut,
    RecheckOut,
    TransitionIn,
)
from store import NoticeStatus, TakedownNotice, permissions, utcnow
from takedown import (
    LETTER_FORMATS,
    ExportedFile,
    ExportError,
    ExportFormat,
    RecheckVerdict,
    TakedownError,
    draft_notices,
    export_notices,
    notice_document,
    office_from,
    parse_format,
)

router = APIRouter(tags=["takedowns"])
API = "/api/v1/takedowns"


def _download(files: list[ExportedFile]) -> Response:
    if len(files) != 1:
        raise HTTPException(500, f"expected one export file, got {len(files)}")
    f = files[0]
    return Response(
        f.content,
        media_type=f.media_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(f.name)}"},
    )


def parse_format_or_422(fmt: str) -> ExportFormat:
    try:
        return parse_format(fmt)
    except ExportError as exc:
        raise HTTPException(422, str(exc)) from exc


def _export(
    session: Session, settings: ApiSettings, notices: list[TakedownNotice], fmt: str
) -> list[ExportedFile]:
    try:
        return export_notices(
            session,
            notices,
            parse_format(fmt),
            **office_from(settings).letterhead(),
        )
    except ExportError as exc:
        raise HTTPException(422, str(exc)) from exc


# --- REST -------------------------------------------------------------------------------------


@router.get(API, response_model=list[NoticeOut])
def list_notices(
    user: CurrentUser,
    session: SessionDep,
    status: NoticeStatus | None = None,
    platform: str | None = None,
) -> list[NoticeOut]:
    """Takedown notices, newest first, optionally by status or platform key."""
    return [notice_out(n) for n in query_notices(session, status, platform)]


@router.post(f"{API}/draft", response_model=DraftOut, status_code=201)
def draft(body: DraftIn, user: CurrentUser, session: SessionDep, settings: SettingsDep) -> DraftOut:
    """Group confirmed listings not yet in a notice into drafts, one per platform and shop;
    a shop with repeated confirmed findings is asked to be closed (settings threshold)."""
    result = draft_notices(
        session,
        user,
        platform_key=body.platform,
        close_shop_threshold=settings.takedown_close_shop_threshold,
    )
    return DraftOut(
        listings=result.listings,
        created=[n.reference for n in result.created],
        extended=[n.reference for n in result.extended],
    )


@router.get(f"{API}/export", responses={404: {}, 422: {}})
def export_bulk(
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    platform: Annotated[str, Query(description="platform key")],
    format: Annotated[str, Query(description="xlsx, csv or json")] = "xlsx",  # noqa: A002
) -> Response:
    """Every approved-or-later notice of a platform in one bulk file (for the platform's portal)."""
    if parse_format_or_422(format) in LETTER_FORMATS:
        raise HTTPException(422, f"{format} is a letter format: export notices one by one")
    notices = [
        n for n in query_notices(session, None, platform) if n.status is not NoticeStatus.draft
    ]
    if not notices:
        raise HTTPException(404, f"no approved notices for platform {platform!r}")
    return _download(_export(session, settings, notices, format))


@router.get(f"{API}/reports/{{month}}", responses={422: {}})
def monthly_report(
    month: str,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    format: Annotated[str, Query(pattern="^(json|xlsx|html)$")] = "json",  # noqa: A002
) -> Response:
    """Monthly summary per platform and region (JSON, XLSX or an HTML page with charts)."""
    from takedown import monthly_summary, report_html, report_xlsx

    try:
        report = monthly_summary(session, month, settings.office_name)
    except TakedownError as exc:
        raise HTTPException(422, str(exc)) from exc
    if format == "xlsx":
        return _download(
            [
                ExportedFile(
                    f"report-{month}.xlsx",
                    report_xlsx(report),
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                )
            ]
        )
    if (
        format == "html"
    ):  # a standalone file (inline CSS), so a download rather than a page of the app
        return _download(
            [
                ExportedFile(
                    f"report-{month}.html",
                    report_html(report).encode("utf-8"),
                    "text/html; charset=utf-8",
                )
            ]
        )
    import json

    return Response(json.dumps(report.as_dict(), ensure_ascii=False), media_type="application/json")


@router.get(f"{API}/{{reference}}", response_model=NoticeDetail, responses={404: {}})
def get_notice(reference: str, user: CurrentUser, session: SessionDep) -> NoticeDetail:
    """One notice with its listings and every re-check."""
    return notice_detail(notice_or_404(session, reference))


@router.post(
    f"{API}/{{reference}}/approve", response_model=NoticeOut, responses={403: {}, 404: {}, 409: {}}
)
def approve_notice(reference: str, user: SupervisorUser, session: SessionDep) -> NoticeOut:
    """Approve a draft (supervisor or admin); its deadline starts now."""
    notice = notice_or_404(session, reference)
    move_notice(session, notice, NoticeStatus.approved, user, "")
    return notice_out(notice)


@router.post(
    f"{API}/{{reference}}/status", response_model=NoticeOut, responses={403: {}, 404: {}, 409: {}}
)
def change_status(
    reference: str, body: TransitionIn, user: CurrentUser, session: SessionDep
) -> NoticeOut:
    """Move a notice along draft -> approved -> sent -> acknowledged -> removed / partly_removed / refused."""
    notice = notice_or_404(session, reference)
    move_notice(session, notice, body.status, user, body.note)
    return notice_out(notice)


@router.get(f"{API}/{{reference}}/export/{{fmt}}", responses={404: {}, 409: {}, 422: {}})
def export_one(
    reference: str, fmt: str, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> Response:
    """Download one notice as docx, pdf, txt, xlsx, csv or json (drafts only to supervisors, as a preview)."""
    notice = notice_or_404(session, reference)
    if notice.status is NoticeStatus.draft and not permissions.allowed(
        user.role, "notice", "preview_draft"
    ):
        raise HTTPException(409, f"notice {notice.reference} is not approved yet")
    return _download(_export(session, settings, [notice], fmt))


@router.post(
    f"{API}/{{reference}}/escalation/{{fmt}}", responses={403: {}, 404: {}, 409: {}, 422: {}}
)
def escalation_letter(
    reference: str, fmt: str, user: SupervisorUser, session: SessionDep, settings: SettingsDep
) -> Response:
    """The escalation letter (督办函) of a notice past its working-day deadline, as docx, pdf or
    txt; records that the notice was escalated.  Supervisors only."""
    from takedown import escalation_files

    notice = notice_or_404(session, reference)
    try:
        files = escalation_files(
            session,
            notice,
            [parse_format_or_422(fmt)],
            **office_from(settings).letterhead(),
            now=utcnow(),
            by=user.username,
        )
    except TakedownError as exc:
        raise HTTPException(409, str(exc)) from exc
    session.commit()
    return _download(files)


@router.get(f"{API}/{{reference}}/evidence.zip", responses={404: {}, 409: {}})
def evidence_package(
    reference: str, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> Response:
    """The evidence case package of every capture the notice cites (verifiable with the office's public key)."""
    import tempfile
    from pathlib import Path

    from evidence import EvidenceError
    from takedown import export_case_package

    notice = notice_or_404(session, reference)
    doc = notice_document(session, notice, office_from(settings))
    with tempfile.TemporaryDirectory() as tmp:
        try:
            summary = export_case_package(settings, doc, Path(tmp))
        except EvidenceError as exc:
            raise HTTPException(
                409, f"evidence package of {notice.reference} not available: {exc}"
            ) from exc
        if summary is None:
            raise HTTPException(404, f"notice {notice.reference} cites no evidence capture")
        content = summary.path.read_bytes()
    return _download([ExportedFile(summary.path.name, content, "application/zip")])


@router.post(
    f"{API}/{{reference}}/recheck", response_model=RecheckOut, responses={404: {}, 409: {}}
)
def recheck(
    reference: str,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    capture: bool = False,
) -> RecheckOut:
    """Re-fetch the notice's listings now (optionally capturing new evidence with the browser)."""
    from takedown import BrowserRecapturer, recheck_notice

    notice = notice_or_404(session, reference)
    recapturer = BrowserRecapturer(settings) if capture and settings.chromium_path else None
    try:
        report = recheck_notice(
            session, notice, settings, recapturer=recapturer, actor=user.username
        )
    except ValueError as exc:
        raise HTTPException(409, str(exc)) from exc
    finally:
        if recapturer is not None:
            recapturer.close()
    return RecheckOut(
        reference=report.reference,
        status=report.status,
        escalation_due=report.escalation_due,
        removed=report.count(RecheckVerdict.removed),
        online=report.count(RecheckVerdict.online),
        inconclusive=report.count(RecheckVerdict.inconclusive),
    )
