"""Logging in and out (session cookie for the UI) and personal API tokens."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response, status
from sqlalchemy import select

from api.deps import CurrentUser, PathId, SessionDep, actor_name
from api.schemas import LoginIn, SessionOut, TokenCreate, TokenIssued, TokenOut, UserOut
from api.security import SESSION_COOKIE, LoginRateLimiter, SessionCodec
from lantian.config import Settings
from store import audit
from store.models import ApiToken, User
from store.users import authenticate, create_api_token

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
    limiter: LoginRateLimiter = request.app.state.login_limiter
    client = client_address(request)
    wait = limiter.retry_after(client, username)
    if wait:
        raise LoginThrottled(wait)
    user = authenticate(session, username, password)
    if user is None:
        limiter.failed(client, username)
        audit.record(
            session, f"anonymous@{client}", "auth.login_failed", "user", "", username=username[:80]
        )
        session.commit()
        return None
    limiter.succeeded(client, username)
    audit.record(session, user.username, "auth.login", "user", user.id, client=client)
    return user


def set_session_cookie(request: Request, response: Response, user: User) -> str:
    """Issue the session cookie; returns its CSRF token."""
    codec: SessionCodec = request.app.state.session_codec
    settings: Settings = request.app.state.settings
    cookie, data = codec.issue(user.id, user.password_hash)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=codec.max_age_s,
        httponly=True,
        samesite="lax",
        secure=settings.session_cookie_secure,
        path="/",
    )
    return data.csrf


@router.post("/login", response_model=SessionOut, responses={401: {}, 429: {}})
def login(body: LoginIn, request: Request, response: Response, session: SessionDep) -> SessionOut:
    """Log in with username and password; sets the session cookie and returns the CSRF token."""
    user = login_user(request, session, body.username, body.password)
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong username or password")
    csrf = set_session_cookie(request, response, user)
    return SessionOut(user=UserOut.model_validate(user), csrf_token=csrf)


@router.post("/logout", status_code=204)
def logout(user: CurrentUser, session: SessionDep, response: Response) -> Response:
    """End the session (the cookie is cleared)."""
    audit.record(session, actor_name(user), "auth.logout", "user", user.id)
    response.status_code = 204
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


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
