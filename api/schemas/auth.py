"""Sign-in, sessions, users and API tokens."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from api.schemas.base import ORM
from store import Role

# --- auth and users -------------------------------------------------------------------------


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=1024)


class UserOut(ORM):
    id: int
    username: str
    display_name: str
    role: Role
    active: bool
    created_at: datetime


class SessionOut(BaseModel):
    user: UserOut
    csrf_token: str = Field(description="send it as X-CSRF-Token with state-changing requests")


class SessionInfo(ORM):
    id: int
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    client: str
    user_agent: str
    current: bool = Field(default=False, description="the session this request came with")


class SessionsEnded(BaseModel):
    ended: int


class UserCreate(BaseModel):
    username: str = Field(min_length=2, max_length=80, pattern=r"^[A-Za-z0-9_.\-]+$")
    password: str = Field(min_length=8, max_length=1024)
    role: Role = Role.reviewer
    display_name: str = Field(default="", max_length=120)


class UserUpdate(BaseModel):
    role: Role | None = None
    active: bool | None = None
    display_name: str | None = Field(default=None, max_length=120)
    password: str | None = Field(default=None, min_length=8, max_length=1024)


class TokenCreate(BaseModel):
    name: str = Field(default="", max_length=120)


class TokenOut(ORM):
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


class TokenIssued(TokenOut):
    token: str = Field(description="shown once; send as 'Authorization: Bearer <token>'")
