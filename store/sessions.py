"""Server-side UI sessions and the login-failure counts every API process shares.

A session's secret lives only in the browser's cookie; the ``sessions`` row
keeps its SHA-256, the CSRF token, and when it started, was last used, ends
and was revoked.  A session is valid while it is not revoked, its absolute end
has not passed and it was used within the idle timeout.  Revocation is a
write to the row, so it takes effect at once in every process.

Two backends behind one interface (``SessionStore`` and ``LoginCounter``): the
database (``DatabaseSessions``, ``LoginLimiter``, the default) and Redis
(``store.redis_sessions``, when a Redis URL is configured); ``open_backends``
picks one from plain values.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from store.models import LoginFailure, User, UserSession, utcnow

KEEP_ENDED = timedelta(days=30)
"""Sessions whose absolute end is older than this are deleted at the user's next login."""
TOUCH_INTERVAL = timedelta(seconds=60)
"""How stale ``last_seen_at`` may get before a request writes it (one write a minute, not per request)."""


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SessionRecord:
    """One signed-in browser as every backend describes it (no secret, only what pages show)."""

    id: int
    user_id: int
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    client: str
    user_agent: str

    @classmethod
    def from_row(cls, row: UserSession) -> SessionRecord:
        return cls(
            row.id,
            row.user_id,
            row.csrf_token,
            row.created_at,
            row.last_seen_at,
            row.expires_at,
            row.client,
            row.user_agent,
        )


@dataclass(frozen=True)
class IssuedSession:
    row: SessionRecord
    secret: str
    """Goes into the cookie; only its digest is stored."""


@dataclass(frozen=True)
class SessionPolicy:
    """How long sessions live: since the last request (idle) and since login (absolute)."""

    idle_s: int = 1800
    absolute_s: int = 12 * 3600


def create_session(
    session: Session,
    user: User,
    policy: SessionPolicy,
    *,
    client: str = "",
    user_agent: str = "",
    now: datetime | None = None,
) -> IssuedSession:
    now = now or utcnow()
    session.execute(  # keep a month of ended sessions for the record, not forever
        delete(UserSession).where(
            UserSession.user_id == user.id, UserSession.expires_at < now - KEEP_ENDED
        )
    )
    secret = secrets.token_urlsafe(32)
    row = UserSession(
        user_id=user.id,
        secret_sha256=secret_digest(secret),
        csrf_token=secrets.token_urlsafe(24),
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(seconds=policy.absolute_s),
        client=client[:64],
        user_agent=user_agent[:300],
    )
    session.add(row)
    session.flush()
    return IssuedSession(SessionRecord.from_row(row), secret)


def is_live(row: UserSession, policy: SessionPolicy, now: datetime) -> bool:
    return (
        row.revoked_at is None
        and now < row.expires_at
        and now - row.last_seen_at < timedelta(seconds=policy.idle_s)
    )


def resolve_session(
    session: Session, secret: str, policy: SessionPolicy, *, now: datetime | None = None
) -> tuple[UserSession, User] | None:
    """The live session for this cookie secret and its active user (touching it), or None."""
    if not secret:
        return None
    now = now or utcnow()
    row = session.scalar(
        select(UserSession).where(UserSession.secret_sha256 == secret_digest(secret))
    )
    if row is None or not is_live(row, policy, now):
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    if now - row.last_seen_at > TOUCH_INTERVAL:
        row.last_seen_at = now
    return row, user


def revoke_session(session: Session, row: UserSession, reason: str) -> None:
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        row.revoked_reason = reason


def revoke_user_sessions(
    session: Session, user_id: int, reason: str, *, keep: int | None = None
) -> int:
    """End every open session of the user (but ``keep``); returns how many were ended."""
    stmt = update(UserSession).where(
        UserSession.user_id == user_id, UserSession.revoked_at.is_(None)
    )
    if keep is not None:
        stmt = stmt.where(UserSession.id != keep)
    result = session.execute(
        stmt.values(revoked_at=utcnow(), revoked_reason=reason).execution_options(
            synchronize_session="fetch"
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def live_sessions(
    session: Session, user_id: int, policy: SessionPolicy, *, now: datetime | None = None
) -> list[UserSession]:
    """The user's sessions that still work, newest first."""
    now = now or utcnow()
    rows = session.scalars(
        select(UserSession)
        .where(
            UserSession.user_id == user_id,
            UserSession.revoked_at.is_(None),
            UserSession.expires_at > now,
        )
        .order_by(UserSession.id.desc())
    )
    return [r for r in rows if is_live(r, policy, now)]


class LoginLimiter:
    """At most ``max_failures`` failed logins per client address and per username per window.

    The counts are rows of ``login_failures``, so every API process (and
    every machine on one database) sees the same ones.
    """

    def __init__(self, max_failures: int = 5, window_s: float = 300.0) -> None:
        self.max_failures = max_failures
        self.window_s = window_s

    @staticmethod
    def _keys(client: str, username: str) -> tuple[str, str]:
        return f"ip:{client}"[:200], f"user:{username.lower()}"[:200]

    def retry_after(self, session: Session, client: str, username: str) -> int:
        """Seconds to wait before another attempt is allowed, 0 if allowed now."""
        now = utcnow()
        since = now - timedelta(seconds=self.window_s)
        worst = 0.0
        for key in self._keys(client, username):
            count, oldest = session.execute(
                select(func.count(), func.min(LoginFailure.at)).where(
                    LoginFailure.key == key, LoginFailure.at > since
                )
            ).one()
            if count >= self.max_failures and oldest is not None:
                worst = max(worst, self.window_s - (now - oldest).total_seconds())
        return int(worst) + 1 if worst > 0 else 0

    def failed(self, session: Session, client: str, username: str) -> None:
        now = utcnow()
        session.execute(
            delete(LoginFailure).where(LoginFailure.at < now - timedelta(seconds=self.window_s))
        )
        for key in self._keys(client, username):
            session.add(LoginFailure(key=key, at=now))
        session.flush()

    def succeeded(self, session: Session, client: str, username: str) -> None:
        session.execute(
            delete(LoginFailure).where(LoginFailure.key == self._keys(client, username)[1])
        )


class SessionStore(Protocol):
    """Where sessions live.  Every method takes the request's database session, which a
    backend uses for users (and, for the database backend, for the sessions too)."""

    policy: SessionPolicy

    def create(
        self, db: Session, user: User, *, client: str = "", user_agent: str = ""
    ) -> IssuedSession: ...

    def resolve(self, db: Session, secret: str) -> tuple[SessionRecord, User] | None:
        """The live session for this cookie secret and its active user (touching it), or None."""
        ...

    def revoke(self, db: Session, user_id: int, session_id: int, reason: str) -> bool:
        """End one session of this user; False when the user has no such live session."""
        ...

    def revoke_user(
        self, db: Session, user_id: int, reason: str, *, keep: int | None = None
    ) -> int:
        """End every open session of the user (but ``keep``); returns how many were ended."""
        ...

    def live(self, db: Session, user_id: int) -> list[SessionRecord]:
        """The user's sessions that still work, newest first."""
        ...

    def close(self) -> None: ...


class LoginCounter(Protocol):
    """Failed-login counts shared by every API process (see ``LoginLimiter``)."""

    max_failures: int
    window_s: float

    def retry_after(self, session: Session, client: str, username: str) -> int: ...

    def failed(self, session: Session, client: str, username: str) -> None: ...

    def succeeded(self, session: Session, client: str, username: str) -> None: ...


class DatabaseSessions:
    """Sessions as rows of ``sessions`` (ended ones kept a month for the record)."""

    def __init__(self, policy: SessionPolicy) -> None:
        self.policy = policy

    def create(
        self, db: Session, user: User, *, client: str = "", user_agent: str = ""
    ) -> IssuedSession:
        return create_session(db, user, self.policy, client=client, user_agent=user_agent)

    def resolve(self, db: Session, secret: str) -> tuple[SessionRecord, User] | None:
        found = resolve_session(db, secret, self.policy)
        return None if found is None else (SessionRecord.from_row(found[0]), found[1])

    def revoke(self, db: Session, user_id: int, session_id: int, reason: str) -> bool:
        row = db.get(UserSession, session_id)
        if row is None or row.user_id != user_id or row.revoked_at is not None:
            return False
        revoke_session(db, row, reason)
        return True

    def revoke_user(
        self, db: Session, user_id: int, reason: str, *, keep: int | None = None
    ) -> int:
        return revoke_user_sessions(db, user_id, reason, keep=keep)

    def live(self, db: Session, user_id: int) -> list[SessionRecord]:
        return [SessionRecord.from_row(r) for r in live_sessions(db, user_id, self.policy)]

    def close(self) -> None:
        return None
