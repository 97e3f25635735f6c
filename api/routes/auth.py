"""Logging in and out (server-side sessions behind the UI cookie), one's sessions, personal API tokens."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response, status
from sqlalchemy import select

from api.config import ApiSettings
from api.deps import CurrentUser, PathId, SessionDep, SessionsDep, actor_name, session_store
from api.schemas import (
    LoginIn,
    SessionInfo,
    SessionOut,
    SessionsEnded,
    TokenCreate,
    TokenIssued,
    TokenOut,
    UserOut,
)
from api.security import SESSION_COOKIE, request_is_https
from store import ApiToken, LoginCounter, User, audit, authenticate, create_api_token

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class LoginThrottled(HTTPException):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"too many failed logins; retry in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def login_user(request: Request, session: SessionDep, username: str, password: str) -> User | None:
    """Check credentials under the rate limit; audit the attempt.  Raises LoginThrottled."""
    limiter: LoginCounter = request.app.state.login_limiter
    client = client_address(request)
    wait = limiter.retry_after(session, client, username)
    if wait:
        raise LoginThrottled(wait)
    user = authenticate(session, username, password)
    if user is None:
        limiter.failed(session, client, username)
        audit.record(
            session, f"anonymous@{client}", "auth.login_failed", "user", "", username=username[:80]
        )
        session.commit()
        return None
    limiter.succeeded(session, client, username)
    audit.record(session, user.username, "auth.login", "user", user.id, client=client)
    return user


def cookie_secure(request: Request) -> bool:
    """Secure when forced by the settings or when the browser reached us over HTTPS."""
    settings: ApiSettings = request.app.state.settings
    return settings.session_cookie_secure or request_is_https(
        request.url.scheme, request.headers, settings.trust_forwarded_proto
    )


def set_session_cookie(
    request: Request, session: SessionDep, response: Response, user: User
) -> str:
    """Open a server-side session and set its cookie; returns the session's CSRF token."""
    store = session_store(request)
    issued = store.create(
        session,
        user,
        client=client_address(request),
        user_agent=request.headers.get("user-agent", ""),
    )
    response.set_cookie(
        SESSION_COOKIE,
        issued.secret,
        max_age=store.policy.absolute_s,
        httponly=True,
        samesite="lax",
        secure=cookie_secure(request),
        path="/",
    )
    return issued.row.csrf_token


def end_current_session(request: Request, session: SessionDep, response: Response) -> None:
    """Revoke the request's cookie session (if it has one) and clear the cookie."""
    session_id = getattr(request.state, "session_id", None)
    user = getattr(request.state, "user", None)
    if session_id is not None and user is not None:
        session_store(request).revoke(session, user.id, session_id, "logout")
    response.delete_cookie(SESSION_COOKIE, path="/", secure=cookie_secure(request), httponly=True)


@router.post("/login", response_model=SessionOut, responses={401: {}, 429: {}})
def login(body: LoginIn, request: Request, response: Response, session: SessionDep) -> SessionOut:
    """Log in with username and password; sets the session cookie and returns the CSRF token."""
    user = login_user(request, session, body.username, body.password)
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong username or password")
    csrf = set_session_cookie(request, session, response, user)
    return SessionOut(user=UserOut.model_validate(user), csrf_token=csrf)


@router.post("/logout", status_code=204)
def logout(
    request: Request, user: CurrentUser, session: SessionDep, response: Response
) -> Response:
    """End this session at once (the server forgets it; the cookie is cleared)."""
    audit.record(session, actor_name(user), "auth.logout", "user", user.id)
    response.status_code = 204
    end_current_session(request, session, response)
    return response


@router.get("/sessions", response_model=list[SessionInfo])
def list_sessions(
    request: Request, user: CurrentUser, session: SessionDep, sessions: SessionsDep
) -> list[SessionInfo]:
    """Your signed-in browsers that still work, newest first."""
    current = getattr(request.state, "session_id", None)
    return [
        SessionInfo.model_validate(row).model_copy(update={"current": row.id == current})
        for row in sessions.live(session, user.id)
    ]


@router.delete("/sessions/{session_id}", status_code=204, responses={404: {}})
def revoke_one_session(
    session_id: PathId, user: CurrentUser, session: SessionDep, sessions: SessionsDep
) -> Response:
    """Sign one of your sessions out."""
    if not sessions.revoke(session, user.id, session_id, "signed_out"):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such session")
    audit.record(session, actor_name(user), "auth.session_revoke", "session", session_id)
    return Response(status_code=204)


@router.post("/sessions/revoke-all", response_model=SessionsEnded)
def sign_out_everywhere(
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    sessions: SessionsDep,
    response: Response,
) -> SessionsEnded:
    """Sign out everywhere: every session of yours ends, this one included."""
    ended = sessions.revoke_user(session, user.id, "signed_out_everywhere")
    audit.record(
        session, actor_name(user), "auth.sign_out_everywhere", "user", user.id, ended=ended
    )
    response.delete_cookie(SESSION_COOKIE, path="/", secure=cookie_secure(request), httponly=True)
    return SessionsEnded(ended=ended)


@router.get("/me", response_model=UserOut)
def me(user: CurrentUser) -> UserOut:
    """Who is logged in."""
    return UserOut.model_validate(user)


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(user: CurrentUser, session: SessionDep) -> list[TokenOut]:
    """Your API tokens (never their secrets)."""
    rows = session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
    )
    return [TokenOut.model_validate(r) for r in rows]


@router.post("/tokens", response_model=TokenIssued, status_code=201)
def create_token(body: TokenCreate, user: CurrentUser, session: SessionDep) -> TokenIssued:
    """Create a bearer token for scripts; the secret is shown only in this response."""
    issued = create_api_token(session, user, body.name, by=actor_name(user))
    session.flush()
    return TokenIssued(**TokenOut.model_validate(issued.token).model_dump(), token=issued.secret)


@router.delete("/tokens/{token_id}", status_code=204, responses={404: {}})
def revoke_token(token_id: PathId, user: CurrentUser, session: SessionDep) -> Response:
    """Revoke one of your tokens."""
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such token")
    row.revoked = True
    audit.record(session, actor_name(user), "token.revoke", "api_token", row.id)
    return Response(status_code=204)
