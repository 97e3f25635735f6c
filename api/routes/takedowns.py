"""Takedown notices: REST under ``/api/v1/takedowns`` and the UI pages under ``/takedowns``.

Approval needs a supervisor (``require_role``); the same rule is enforced
again by ``takedown.workflow``, so no path around it exists.  UI actions are
plain HTML forms carrying the session's CSRF token; each redirects back to
the notice page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.config import ApiSettings
from api.deps import CurrentUser, SessionDep, SettingsDep, SupervisorUser, UIUser, has_role
from store import permissions
from store.models import NoticeStatus, Platform, Role, TakedownNotice, User, utcnow
from takedown.errors import (
    ExportError,
    InvalidTransition,
    NoticeNotFound,
    PermissionDenied,
    TakedownError,
)
from takedown.export import LETTER_FORMATS, ExportedFile, export_notices, parse_format
from takedown.fetch import Verdict
from takedown.grouping import draft_notices
from takedown.letter import BlockKind, render_letter
from takedown.office import notice_document, office_from
from takedown.platforms import ExportFormat
from takedown.workflow import allowed_targets, find_notice, transition

router = APIRouter(tags=["takedowns"])
API = "/api/v1/takedowns"


class CheckOut(BaseModel):
    checked_at: datetime
    online: bool
    http_status: int | None
    detail: str


class ItemOut(BaseModel):
    listing_id: int
    url: str
    title: str
    shop: str | None
    status: str
    last_checked_at: datetime | None
    removed_at: datetime | None
    checks: list[CheckOut] = Field(default_factory=list)


class NoticeOut(BaseModel):
    reference: str
    platform: str
    shop: str | None
    status: str
    items: int
    removed: int
    created_at: datetime
    approved_at: datetime | None
    sent_at: datetime | None
    acknowledged_at: datetime | None
    closed_at: datetime | None
    deadline: datetime | None
    escalation_due: bool
    next: list[str] = Field(description="statuses this notice may move to")
    close_shop: bool = Field(default=False, description="asks the platform to close the shop")
    escalated_at: datetime | None = None
    reopened_at: datetime | None = Field(
        default=None, description="a removed listing came back online and reopened the notice"
    )


class NoticeDetail(NoticeOut):
    listings: list[ItemOut]


class DraftIn(BaseModel):
    platform: str | None = Field(default=None, description="only this platform key")


class DraftOut(BaseModel):
    listings: int
    created: list[str]
    extended: list[str]


class TransitionIn(BaseModel):
    status: NoticeStatus
    note: str = Field(default="", max_length=2000)


class RecheckOut(BaseModel):
    reference: str
    status: str
    escalation_due: bool
    removed: int
    online: int
    inconclusive: int


def _out(notice: TakedownNotice) -> NoticeOut:
    return NoticeOut(
        reference=notice.reference,
        platform=notice.platform.key,
        shop=notice.shop,
        status=notice.status.value,
        items=len(notice.items),
        removed=sum(1 for i in notice.items if i.status.value == "removed"),
        created_at=notice.created_at,
        approved_at=notice.approved_at,
        sent_at=notice.sent_at,
        acknowledged_at=notice.acknowledged_at,
        closed_at=notice.closed_at,
        deadline=notice.deadline,
        escalation_due=notice.escalation_due,
        next=allowed_targets(notice.status),
        close_shop=notice.close_shop,
        escalated_at=notice.escalated_at,
        reopened_at=notice.reopened_at,
    )


def _detail(notice: TakedownNotice) -> NoticeDetail:
    items = []
    for item in sorted(notice.items, key=lambda i: i.id):
        checks = item.checks
        items.append(
            ItemOut(
                listing_id=item.listing_id,
                url=item.listing.url,
                title=item.listing.title,
                shop=item.listing.shop,
                status=item.status.value,
                last_checked_at=item.last_checked_at,
                removed_at=item.removed_at,
                checks=[
                    CheckOut(
                        checked_at=c.checked_at,
                        online=c.online,
                        http_status=c.http_status,
                        detail=c.detail,
                    )
                    for c in checks
                ],
            )
        )
    return NoticeDetail(**_out(notice).model_dump(), listings=items)


def _notice(session: Session, reference: str) -> TakedownNotice:
    try:
        return find_notice(session, reference)
    except NoticeNotFound as exc:
        raise HTTPException(404, str(exc)) from exc


def _move(
    session: Session, notice: TakedownNotice, target: NoticeStatus, user: User, note: str
) -> None:
    try:
        transition(session, notice, target, user, note=note)
    except PermissionDenied as exc:
        raise HTTPException(403, str(exc)) from exc
    except (InvalidTransition, TakedownError) as exc:
        raise HTTPException(409, str(exc)) from exc


def _notices(
    session: Session, status: NoticeStatus | None, platform: str | None
) -> list[TakedownNotice]:
    query = select(TakedownNotice).order_by(TakedownNotice.id.desc())
    if status is not None:
        query = query.where(TakedownNotice.status == status)
    if platform:
        query = query.join(Platform).where(Platform.key == platform)
    return list(session.scalars(query))


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
    return [_out(n) for n in _notices(session, status, platform)]


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
    notices = [n for n in _notices(session, None, platform) if n.status is not NoticeStatus.draft]
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
    from takedown.reports import monthly_summary, report_html, report_xlsx

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
    return _detail(_notice(session, reference))


@router.post(
    f"{API}/{{reference}}/approve", response_model=NoticeOut, responses={403: {}, 404: {}, 409: {}}
)
def approve_notice(reference: str, user: SupervisorUser, session: SessionDep) -> NoticeOut:
    """Approve a draft (supervisor or admin); its deadline starts now."""
    notice = _notice(session, reference)
    _move(session, notice, NoticeStatus.approved, user, "")
    return _out(notice)


@router.post(
    f"{API}/{{reference}}/status", response_model=NoticeOut, responses={403: {}, 404: {}, 409: {}}
)
def change_status(
    reference: str, body: TransitionIn, user: CurrentUser, session: SessionDep
) -> NoticeOut:
    """Move a notice along draft -> approved -> sent -> acknowledged -> removed / partly_removed / refused."""
    notice = _notice(session, reference)
    _move(session, notice, body.status, user, body.note)
    return _out(notice)


@router.get(f"{API}/{{reference}}/export/{{fmt}}", responses={404: {}, 409: {}, 422: {}})
def export_one(
    reference: str, fmt: str, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> Response:
    """Download one notice as docx, pdf, txt, xlsx, csv or json (drafts only to supervisors, as a preview)."""
    notice = _notice(session, reference)
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
    from takedown.escalation import escalation_files

    notice = _notice(session, reference)
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

    from evidence.errors import EvidenceError
    from takedown.casefile import export_case_package

    notice = _notice(session, reference)
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
    from takedown.capture import BrowserRecapturer
    from takedown.recheck import recheck_notice

    notice = _notice(session, reference)
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
        removed=report.count(Verdict.removed),
        online=report.count(Verdict.online),
        inconclusive=report.count(Verdict.inconclusive),
    )


# --- UI ---------------------------------------------------------------------------------------

STATUS_LABELS = {
    "draft": "草稿",
    "approved": "已批准",
    "sent": "已发送",
    "acknowledged": "平台已受理",
    "removed": "已删除",
    "partly_removed": "部分删除",
    "refused": "平台拒绝",
    "pending": "待复查",
    "online": "仍在线",
}
UI_FORMATS = ("docx", "pdf", "xlsx", "csv", "json")


def _page(request: Request, name: str, user: User, **ctx: Any) -> HTMLResponse:
    from api.ui.views import render

    return render(request, name, user, STATUS_LABELS=STATUS_LABELS, **ctx)


@router.get("/takedowns", response_class=HTMLResponse, include_in_schema=False)
def takedowns_page(
    request: Request,
    user: UIUser,
    session: SessionDep,
    status: NoticeStatus | None = None,
    platform: str | None = None,
) -> HTMLResponse:
    notices = [_out(n) for n in _notices(session, status, platform)]
    return _page(
        request,
        "takedowns.html",
        user,
        notices=notices,
        status=status.value if status else "",
        platform=platform or "",
        statuses=[s.value for s in NoticeStatus],
    )


@router.post("/takedowns/draft", include_in_schema=False)
def takedowns_draft(user: UIUser, session: SessionDep, settings: SettingsDep) -> Response:
    draft_notices(session, user, close_shop_threshold=settings.takedown_close_shop_threshold)
    return RedirectResponse("/takedowns?status=draft", status_code=303)


@router.get("/takedowns/report", response_class=HTMLResponse, include_in_schema=False)
def takedown_report_page(
    request: Request,
    user: UIUser,
    session: SessionDep,
    settings: SettingsDep,
    month: Annotated[str | None, Query(max_length=7)] = None,
) -> HTMLResponse:
    from takedown.reports import HEADERS, monthly_summary, report_charts

    month = month or utcnow().strftime("%Y-%m")
    try:
        report = monthly_summary(session, month, settings.office_name)
    except TakedownError as exc:
        raise HTTPException(422, str(exc)) from exc
    return _page(
        request,
        "takedown_report.html",
        user,
        report=report,
        headers=HEADERS,
        **report_charts(report),
    )


@router.get("/takedowns/{reference}", response_class=HTMLResponse, include_in_schema=False)
def takedown_page(
    request: Request, reference: str, user: UIUser, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:

    notice = _notice(session, reference)
    doc = notice_document(session, notice, office_from(settings))
    return _page(
        request,
        "takedown.html",
        user,
        notice=_detail(notice),
        doc=doc,
        blocks=render_letter(doc),
        BlockKind=BlockKind,
        formats=UI_FORMATS,
        can_approve=has_role(user, Role.supervisor),
    )


@router.post("/takedowns/{reference}/status", include_in_schema=False)
def takedown_status_form(
    reference: str,
    user: UIUser,
    session: SessionDep,
    status: Annotated[NoticeStatus, Form()],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    notice = _notice(session, reference)
    _move(session, notice, status, user, note)
    return RedirectResponse(f"/takedowns/{quote(notice.reference)}", status_code=303)
