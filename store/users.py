"""Users, passwords (argon2id) and API tokens (stored as SHA-256 digests only)."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from store import audit
from store.models import ApiToken, Role, User, utcnow
from store.sessions import SessionStore

_hasher = PasswordHasher()
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{2,80}$")
MIN_PASSWORD_LENGTH = 8
TOKEN_PREFIX = "lt_"  # noqa: S105 - a prefix, not a secret
TOKEN_TOUCH_INTERVAL = timedelta(minutes=5)
"""How stale ``last_used_at`` may get; avoids one write per request."""
# A fixed hash to verify against when the user does not exist, so that a login
# for an unknown name costs the same time as one with a wrong password.
_DUMMY_HASH = _hasher.hash("lantian-dummy-password")


class UserError(Exception):
    """A user could not be created or changed; the message says why."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def validate_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")


def create_user(
    session: Session,
    username: str,
    password: str,
    role: Role = Role.reviewer,
    *,
    display_name: str = "",
    created_by: str = "system:cli",
) -> User:
    """Create an active user; raises UserError on a bad or taken name or a short password."""
    if not USERNAME_RE.match(username):
        raise UserError(f"username {username!r} must be 2-80 letters, digits, '_', '.' or '-'")
    validate_password(password)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise UserError(f"user {username!r} already exists")
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        role=Role(role),
    )
    session.add(user)
    session.flush()
    audit.record(
        session, created_by, "user.create", "user", user.id, username=username, role=str(role)
    )
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with these credentials, or None (in constant-ish time)."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        verify_password(_DUMMY_HASH, password)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def set_password(
    session: Session, user: User, password: str, *, by: str, sessions: SessionStore
) -> None:
    """Set the password and end every session the user has open (in ``sessions``, the
    configured backend: the caller must name it so none is forgotten)."""
    validate_password(password)
    user.password_hash = hash_password(password)
    ended = sessions.revoke_user(session, user.id, "password_changed")
    audit.record(session, by, "user.password", "user", user.id, sessions_ended=ended)


def set_role(session: Session, user: User, role: Role, *, by: str, sessions: SessionStore) -> bool:
    """Change the role (ending the user's sessions); False when it was already ``role``."""
    if user.role == role:
        return False
    before = user.role
    user.role = Role(role)
    ended = sessions.revoke_user(session, user.id, "role_changed")
    audit.record(
        session, by, "user.role", "user", user.id, role=f"{before}->{role}", sessions_ended=ended
    )
    return True


def set_active(
    session: Session, user: User, active: bool, *, by: str, sessions: SessionStore
) -> bool:
    """(De)activate the account; deactivating ends its sessions.  False when unchanged."""
    if user.active == active:
        return False
    user.active = active
    ended = sessions.revoke_user(session, user.id, "deactivated") if not active else 0
    audit.record(session, by, "user.active", "user", user.id, active=active, sessions_ended=ended)
    return True


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str
    """Shown once; only its digest is stored."""


def create_api_token(session: Session, user: User, name: str = "", *, by: str) -> IssuedToken:
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name, token_sha256=token_digest(secret))
    session.add(row)
    session.flush()
    audit.record(session, by, "token.create", "api_token", row.id, user=user.username, name=name)
    return IssuedToken(row, secret)


def user_for_token(session: Session, secret: str) -> User | None:
    """The active user owning this unrevoked bearer token, or None."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    row = session.scalar(
        select(ApiToken).where(
            ApiToken.token_sha256 == token_digest(secret), ApiToken.revoked.is_(False)
        )
    )
    if row is None:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > TOKEN_TOUCH_INTERVAL:
        row.last_used_at = now
    return user
