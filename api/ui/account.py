"""The user's own account page: the sessions signed in, and "sign out everywhere"."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import PathId, SessionDep, SessionsDep, UIUser
from api.routes.auth import cookie_secure
from api.security import SESSION_COOKIE
from api.ui.views import render
from store import audit

router = APIRouter(include_in_schema=False)


@router.get("/account/sessions", response_class=HTMLResponse)
def sessions_page(
    request: Request, user: UIUser, session: SessionDep, sessions: SessionsDep
) -> HTMLResponse:
    rows = sessions.live(session, user.id)
    current = getattr(request.state, "session_id", None)
    return render(request, "sessions.html", user, rows=rows, current=current)


@router.post("/account/sessions/{session_id}/revoke")
def revoke_one(
    session_id: PathId, request: Request, user: UIUser, session: SessionDep, sessions: SessionsDep
) -> Response:
    if sessions.revoke(session, user.id, session_id, "signed_out"):
        audit.record(session, user.username, "auth.session_revoke", "session", session_id)
    if session_id == getattr(request.state, "session_id", None):
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse("/account/sessions", status_code=303)


@router.post("/account/sessions/revoke-all")
def revoke_all(
    request: Request, user: UIUser, session: SessionDep, sessions: SessionsDep
) -> Response:
    ended = sessions.revoke_user(session, user.id, "signed_out_everywhere")
    audit.record(session, user.username, "auth.sign_out_everywhere", "user", user.id, ended=ended)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", secure=cookie_secure(request), httponly=True)
    return response
