"""The reviewer UI's takedown pages: the notice list, one notice with its letter, the monthly report."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import SessionDep, SettingsDep, UIUser, has_role
from api.notices import move_notice, notice_detail, notice_or_404, notice_out, query_notices
from store import NoticeStatus, Role, User, utcnow
from takedown import (
    BlockKind,
    TakedownError,
    draft_notices,
    notice_document,
    office_from,
    render_letter,
)

router = APIRouter(tags=["takedowns"])

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
    notices = [notice_out(n) for n in query_notices(session, status, platform)]
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
    from takedown import REPORT_HEADERS, monthly_summary, report_charts

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
        headers=REPORT_HEADERS,
        **report_charts(report),
    )


@router.get("/takedowns/{reference}", response_class=HTMLResponse, include_in_schema=False)
def takedown_page(
    request: Request, reference: str, user: UIUser, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:

    notice = notice_or_404(session, reference)
    doc = notice_document(session, notice, office_from(settings))
    return _page(
        request,
        "takedown.html",
        user,
        notice=notice_detail(notice),
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
    notice = notice_or_404(session, reference)
    move_notice(session, notice, status, user, note)
    return RedirectResponse(f"/takedowns/{quote(notice.reference)}", status_code=303)
