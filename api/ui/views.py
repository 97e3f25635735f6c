"""The reviewers' web UI: server-rendered pages, small vanilla JS for keys and actions.

Every crawled string reaches the page through Jinja2 with autoescaping; text
with rule hits is split into segments server-side (``api.present.segments``),
each escaped on its own.  Actions are ``fetch`` calls to the REST API carrying
the session's CSRF token.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

import jinja2
from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.deps import (
    PathId,
    SearchDep,
    SessionDep,
    SettingsDep,
    UIUser,
    UserView,
    has_role,
    require_ui_role,
)
from api.present import current_classification, detail, segments, summary
from api.queries import (
    QUEUE_STATUSES,
    FilterError,
    find_listings,
    listing_filters,
    neighbours,
)
from api.routes.audit import audit_page
from api.routes.auth import LoginThrottled, end_current_session, login_user, set_session_cookie
from api.security import LOGIN_CSRF_COOKIE, tokens_match
from api.stats import dashboard
from api.ui import labels
from api.ui.charts import bar_chart, line_chart
from store import Campaign, CampaignRun, Listing, ListingVersion, Platform, Role, User, audit
from store.search import SearchError, SearchQuery, userdict_path

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
PAGE_SIZE = 50

router = APIRouter(include_in_schema=False)
_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
templates = Jinja2Templates(env=_env)


def safe_href(url: str | None) -> str | None:
    """The URL if it is plain http(s), else None (so ``javascript:`` never becomes a link)."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in {"http", "https"} else None


def fmt_time(value: datetime | None) -> str:
    if value is None:
        return "—"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


_env.filters["safe_href"] = safe_href
_env.filters["time"] = fmt_time
_env.globals.update(
    STATUS=labels.STATUS,
    SEVERITY=labels.SEVERITY,
    ACTION=labels.ACTION,
    ROLE=labels.ROLE,
    RUN_STATUS=labels.RUN_STATUS,
    ENTITY=labels.ENTITY,
    TIER=labels.TIER,
    GENRE=labels.GENRE,
    STANCE=labels.STANCE,
    BLOCK=labels.BLOCK,
)


def render(
    request: Request, name: str, user: User | UserView | None, status_code: int = 200, **ctx: Any
) -> HTMLResponse:
    settings = request.app.state.settings
    ctx.setdefault("categories", labels.categories(settings.rules_dir))
    ctx.setdefault("split_citations", partial(labels.split_citations, rules_dir=settings.rules_dir))
    ctx.setdefault("offices", labels.offices(settings.rules_dir))
    return templates.TemplateResponse(
        request,
        name,
        {
            "user": user,
            "csrf_token": getattr(request.state, "csrf_token", ""),
            "is_supervisor": bool(user and has_role(user, Role.supervisor)),
            **ctx,
        },
        status_code=status_code,
    )


def local_path(target: str | None) -> str:
    """Only same-site paths are followed after login (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/queue"


# --- login ----------------------------------------------------------------------------------


def _login_page(
    request: Request, next_path: str, error: str = "", status_code: int = 200
) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        None,
        status_code=status_code,
        login_csrf=token,
        next_path=next_path,
        error=error,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/login", max_age=3600
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/queue") -> HTMLResponse:  # noqa: A002 - query name
    return _login_page(request, local_path(next))


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(max_length=80)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/queue",  # noqa: A002 - form field name
) -> Response:
    target = local_path(next)
    if not tokens_match(request.cookies.get(LOGIN_CSRF_COOKIE), csrf_token):
        return _login_page(request, target, "页面已过期，请重新登录。", 400)
    try:
        user = login_user(request, session, username, password)
    except LoginThrottled as exc:
        request.app.state.metrics.logins.labels("throttled").inc()
        wait = (exc.headers or {}).get("Retry-After", "60")
        return _login_page(request, target, f"登录失败次数过多，请 {wait} 秒后再试。", 429)
    if user is None:
        request.app.state.metrics.logins.labels("failed").inc()
        return _login_page(request, target, "用户名或密码错误。", 401)
    request.app.state.metrics.logins.labels("ok").inc()
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(request, session, response, user)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, user: UIUser, session: SessionDep) -> Response:
    audit.record(session, user.username, "auth.logout", "user", user.id)
    response = RedirectResponse("/login", status_code=303)
    end_current_session(request, session, response)
    return response


@router.get("/")
def home() -> Response:
    return RedirectResponse("/queue", status_code=303)


# --- queue and listings ---------------------------------------------------------------------


@router.get("/queue", response_class=HTMLResponse)
def queue(
    request: Request,
    user: UIUser,
    session: SessionDep,
    search: SearchDep,
    settings: SettingsDep,
    filters: Annotated[SearchQuery, Depends(listing_filters)],
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    explicit = any(k in request.query_params for k in ("status", "queue", "tier"))
    query = filters if explicit else replace(filters, statuses=[str(s) for s in QUEUE_STATUSES])
    error = ""
    rows: list[Any] = []
    total = 0
    total_exact = True
    try:
        found = find_listings(
            session,
            search,
            query,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
            userdict=userdict_path(settings),
        )
        rows = [summary(listing, key) for listing, key in found.rows]
        total = found.total
        total_exact = found.total_exact
    except FilterError as exc:
        error = f"筛选条件无效：{exc}"
    except SearchError:
        error = "搜索服务暂时不可用，请稍后重试或去掉搜索词。"
    platforms = list(session.scalars(select(Platform.key).order_by(Platform.key)))
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]
    return render(
        request,
        "queue.html",
        user,
        rows=rows,
        total=total,
        total_exact=total_exact,
        page=page,
        pages=max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE) + (0 if total_exact else 1),
        filters=filters,
        shown_statuses=request.query_params.getlist("status"),
        platforms=platforms,
        base_query=urlencode(params),
        error=error,
        dismiss_reasons=labels.DISMISS_REASONS,
    )


@router.get("/listings/{listing_id}", response_class=HTMLResponse)
def listing_page(
    request: Request,
    listing_id: PathId,
    user: UIUser,
    session: SessionDep,
    a: Annotated[int | None, Query(ge=1, le=2**62, description="capture shown on the left")] = None,
    b: Annotated[
        int | None, Query(ge=1, le=2**62, description="capture shown on the right")
    ] = None,
) -> HTMLResponse:
    listing = session.get(Listing, listing_id)
    if listing is None:
        return render(
            request,
            "error.html",
            user,
            status_code=404,
            title="未找到",
            message=f"没有编号为 {listing_id} 的线索。",
        )
    data = detail(session, listing)
    version = (
        session.get(ListingVersion, listing.current_version_id)
        if listing.current_version_id
        else None
    )
    classification = current_classification(session, listing)
    hits = list(classification.hits) if classification else []
    blocks = list(classification.blocks or []) if classification else []
    offending = classification.offending_block if classification else None
    # the offending block (on a thread, the post that makes the offer) first, then counted hits
    ordered = sorted(
        hits, key=lambda h: (h.block != offending, not h.counted, h.block or 0, h.start)
    )
    full_text = (version.title + "\n" + version.text) if version else listing.title
    title_len = len(version.title) if version else len(listing.title)
    segs = segments(full_text, hits)
    post = listing.offending_post if isinstance(listing.offending_post, dict) else None
    post_text = ""
    if post is not None and isinstance(post.get("block"), int) and post["block"] < len(blocks):
        span = blocks[post["block"]]
        post_text = full_text[int(span.get("start") or 0) : int(span.get("end") or 0)]
    title_segs, body_segs = _split_title(segs, title_len)
    captures = data.captures
    by_id = {c.id: c for c in captures}
    left = by_id.get(a) if a else (captures[1] if len(captures) > 1 else None)
    right = by_id.get(b) if b else (captures[0] if captures else None)
    prev_id, next_id = neighbours(session, listing)
    return render(
        request,
        "listing.html",
        user,
        listing=data,
        title_segments=title_segs,
        body_segments=body_segs,
        hits=ordered,
        blocks=blocks,
        offending=offending,
        offending_post=post,
        offending_text=post_text,
        reading=classification,
        compare=(left, right),
        prev_id=prev_id,
        next_id=next_id,
        dismiss_reasons=labels.DISMISS_REASONS,
        assignees=list(
            session.scalars(
                select(User.username).where(User.active.is_(True)).order_by(User.username)
            )
        ),
    )


def _split_title(segs: list[Any], title_len: int) -> tuple[list[Any], list[Any]]:
    """Segments of the title and of the body (the joining newline dropped)."""
    from api.present import Segment

    title: list[Segment] = []
    body: list[Segment] = []
    pos = 0
    for seg in segs:
        end = pos + len(seg.text)
        if end <= title_len:
            title.append(seg)
        elif pos >= title_len:
            body.append(seg)
        else:
            cut = title_len - pos
            title.append(Segment(seg.text[:cut], seg.hits))
            body.append(Segment(seg.text[cut:], seg.hits))
        pos = end
    if body and body[0].text.startswith("\n"):
        body[0] = Segment(body[0].text[1:], body[0].hits)
    return title, body


# --- dashboard, audit, campaigns ------------------------------------------------------------


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(
    request: Request,
    user: UIUser,
    search: SearchDep,
    session: SessionDep,
    days: Annotated[int, Query(ge=1, le=3650)] = 90,
    office: Annotated[str, Query(pattern=r"^(\d{6})?$")] = "",
) -> HTMLResponse:
    since = datetime.now(UTC) - timedelta(days=days)
    try:
        stats = dashboard(search, since=since)
    except SearchError:
        return render(
            request,
            "error.html",
            user,
            status_code=503,
            title="仪表盘暂不可用",
            message="搜索索引没有响应，请稍后重试。",
        )
    cats = labels.categories(request.app.state.settings.rules_dir)
    cat_name = {k: v["name"] for k, v in cats.items()}
    charts = {
        "category_time": line_chart(stats.over_time_by_category, names=cat_name),
        "platform_time": line_chart(stats.over_time_by_platform),
        "region_time": line_chart(stats.over_time_by_region, names={"": "未知地区"}),
        "category_bar": bar_chart(stats.by_category, names=cat_name),
        "platform_bar": bar_chart(stats.by_platform),
        "region_bar": bar_chart(stats.by_region, names={"": "未知地区"}),
    }
    from api.office_stats import office_stats
    from classifiers import SOURCE_LABELS

    by_office = office_stats(session, office or None)
    office_names = {o.code: o.name for o in labels.offices(request.app.state.settings.rules_dir)}
    charts["office_bar"] = bar_chart(by_office.by_office, names=office_names)
    charts["office_source_bar"] = bar_chart(by_office.by_source, names=SOURCE_LABELS)
    charts["office_category_bar"] = bar_chart(by_office.by_category, names=cat_name)
    charts["office_platform_bar"] = bar_chart(by_office.by_platform)
    return render(
        request,
        "dashboard.html",
        user,
        stats=stats,
        charts=charts,
        days=days,
        office=office,
        office_stats=by_office,
    )


@router.get("/audit", response_class=HTMLResponse)
def audit_view(
    request: Request,
    session: SessionDep,
    user: Annotated[User, Depends(require_ui_role(Role.supervisor))],
    actor: Annotated[str, Query(max_length=120)] = "",
    action: Annotated[str, Query(max_length=64)] = "",
    object_id: Annotated[str, Query(max_length=64)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    rows, total = audit_page(
        session,
        actor=actor,
        action=action,
        object_id=object_id,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    params = urlencode({"actor": actor, "action": action, "object_id": object_id})
    return render(
        request,
        "audit.html",
        user,
        rows=rows,
        total=total,
        page=page,
        pages=max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE),
        actor=actor,
        action=action,
        object_id=object_id,
        base_query=params,
    )


@router.get("/campaigns", response_class=HTMLResponse)
def campaigns_page(request: Request, user: UIUser, session: SessionDep) -> HTMLResponse:
    campaigns = list(session.scalars(select(Campaign).order_by(Campaign.name)))
    last_runs: dict[int, CampaignRun] = {}
    for run in session.scalars(select(CampaignRun).order_by(CampaignRun.id.desc()).limit(500)):
        last_runs.setdefault(run.campaign_id, run)
    from store import latest_by_platform

    # Per campaign, its last run's platform problems (a profile broken, a platform blocking).
    problems = {cid: latest_by_platform(session, [run.id]) for cid, run in last_runs.items()}
    return render(
        request,
        "campaigns.html",
        user,
        campaigns=campaigns,
        last_runs=last_runs,
        problems=problems,
        PROBLEM_KINDS={"broken": "选择器失效", "blocked": "被拦截（验证码/登录）"},
    )


def ui_http_error(request: Request, exc: StarletteHTTPException) -> Response | None:
    """An HTML error page for UI paths; None for API paths (JSON as usual)."""
    if request.url.path.startswith(("/api/", "/evidence/", "/static/")):
        return None
    titles = {403: "无权访问", 404: "未找到", 405: "不支持的操作", 422: "请求无效"}
    user = getattr(request.state, "user_view", None)
    return render(
        request,
        "error.html",
        user,
        status_code=exc.status_code,
        title=titles.get(exc.status_code, "出错了"),
        message=str(exc.detail),
    )
