"""What route handlers declare in their signatures: the session, the user, role checks.

Authentication is either a bearer token (``Authorization: Bearer lt_...``, for
scripts and other systems) or the UI's session cookie.  A cookie-authenticated
request that changes state must carry the session's CSRF token in the
``X-CSRF-Token`` header or the ``csrf_token`` form field.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Path, Request, status
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from api.config import ApiSettings
from api.security import CSRF_FORM_FIELD, CSRF_HEADER, SESSION_COOKIE, tokens_match
from store import Role, SessionStore, User, permissions, session_scope, user_for_token
from store.search import SearchBackend

PathId = Annotated[int, Path(ge=1, le=2**62, description="database id")]
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ROLE_RANK = {Role.reviewer: 1, Role.supervisor: 2, Role.admin: 3}


@dataclass(frozen=True)
class UserView:
    """What pages show of the user; safe to use after the request's session has closed."""

    id: int
    username: str
    display_name: str
    role: Role
    office_code: str | None = None


class LoginRequired(Exception):
    """Raised by UI dependencies; the app answers with a redirect to the login page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def get_settings(request: Request) -> ApiSettings:
    settings: ApiSettings = request.app.state.settings
    return settings


def get_db(request: Request) -> Iterator[Session]:
    """One session per request, committed when the handler succeeds (``store.db.session_scope``)."""
    with session_scope(request.app.state.sessionmaker) as session:
        yield session


def get_search(request: Request) -> SearchBackend:
    backend: SearchBackend = request.app.state.search
    return backend


SettingsDep = Annotated[ApiSettings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_db)]
SearchDep = Annotated[SearchBackend, Depends(get_search)]


def session_store(request: Request) -> SessionStore:
    """Where this app keeps UI sessions (database or Redis, per the settings)."""
    store: SessionStore = request.app.state.session_store
    return store


SessionsDep = Annotated[SessionStore, Depends(session_store)]


async def _csrf_ok(request: Request, expected: str) -> bool:
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FORM_FIELD)
        given = value if isinstance(value, str) else None
    return tokens_match(expected, given)


async def _resolve_user(request: Request, session: Session) -> User | None:
    """The user behind the bearer token or the session cookie.

    The database lookups run in the thread pool: on the event loop, a lookup waiting
    for a pooled connection stalls every request the server is handling.
    """
    auth = request.headers.get("authorization", "")
    if auth:
        scheme, _, secret = auth.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            return None
        return await run_in_threadpool(user_for_token, session, secret.strip())
    found = await run_in_threadpool(
        session_store(request).resolve, session, request.cookies.get(SESSION_COOKIE, "")
    )
    if found is None:
        return None
    row, user = found
    if request.method not in SAFE_METHODS and not await _csrf_ok(request, row.csrf_token):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "CSRF token missing or wrong")
    request.state.csrf_token = row.csrf_token
    request.state.session_id = row.id
    return user


def _remember(request: Request, user: User | None) -> User | None:
    if user is not None:
        request.state.user = user
        request.state.user_view = UserView(
            user.id, user.username, user.display_name, user.role, user.office_code
        )
    return user


async def current_user(request: Request, session: SessionDep) -> User:
    """The authenticated user; 401 when there is none."""
    user = _remember(request, await _resolve_user(request, session))
    if user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "not authenticated",
            headers={"WWW-Authenticate": "Bearer"},
        )
    request.state.user = user
    return user


async def ui_user(request: Request, session: SessionDep) -> User:
    """The user of a UI page; an anonymous visitor is sent to the login page."""
    user = _remember(request, await _resolve_user(request, session))
    if user is None:
        path = request.url.path
        if request.url.query:
            path += "?" + request.url.query
        raise LoginRequired(path)
    request.state.user = user
    return user


CurrentUser = Annotated[User, Depends(current_user)]
UIUser = Annotated[User, Depends(ui_user)]


def has_role(user: User | UserView, *roles: Role) -> bool:
    """True when the user holds one of ``roles``; admins hold every role."""
    return user.role == Role.admin or user.role in roles


def require_role(*roles: Role) -> Callable[..., Coroutine[Any, Any, User]]:
    """A dependency admitting users with one of ``roles`` (admins always); 403 otherwise.

    ``approver: Annotated[User, Depends(require_role(Role.supervisor))]``
    """
    allowed = ", ".join(sorted(str(r) for r in {*roles, Role.admin}))

    async def dependency(user: CurrentUser) -> User:
        if not has_role(user, *roles):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"needs role {allowed}; you are {user.role}"
            )
        return user

    return dependency


def require_ui_role(*roles: Role) -> Callable[..., Coroutine[Any, Any, User]]:
    """Like require_role, for UI pages (anonymous visitors are redirected to log in)."""

    async def dependency(user: UIUser) -> User:
        if not has_role(user, *roles):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "你的角色无权访问此页面")
        return user

    return dependency


def require_permission(subject: str, action: str) -> Callable[..., Coroutine[Any, Any, User]]:
    """A dependency admitting users the permission table lets take ``action`` on ``subject``."""

    async def dependency(user: CurrentUser) -> User:
        try:
            permissions.require(user.role, user.username, subject, action)
        except permissions.NotPermitted as exc:
            raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from exc
        return user

    return dependency


SupervisorUser = Annotated[User, Depends(require_role(Role.supervisor))]
AdminUser = Annotated[User, Depends(require_role(Role.admin))]


def actor_name(user: User) -> str:
    """How a user is named in the audit log."""
    return user.username
