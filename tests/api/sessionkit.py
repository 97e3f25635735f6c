"""The two session backends as the session and limiter tests see them.

``SessionBackendKit`` points an app's settings at one backend (the database, or the real
Redis under a key prefix of its own, removed afterwards) and does to stored sessions
what time would: make them idle or past their absolute end.
"""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import redis
from fastapi import FastAPI
from sqlalchemy import select, update

from lantian.config import Settings
from store.db import session_scope
from store.models import UserSession, utcnow


class SessionBackendKit:
    def __init__(self, name: str, redis_url: str | None = None) -> None:
        self.name = name
        self.redis_url = redis_url
        self.prefix = f"lantian-test-{uuid.uuid4().hex[:12]}"
        self.client: redis.Redis | None = (
            redis.Redis.from_url(redis_url, decode_responses=True) if redis_url else None
        )

    def apply(self, settings: Settings) -> Settings:
        if self.name == "database":
            return settings.model_copy(update={"session_backend": "database"})
        return settings.model_copy(
            update={
                "session_backend": "redis",
                "redis_url": self.redis_url,
                "redis_key_prefix": self.prefix,
            }
        )

    @property
    def redis(self) -> redis.Redis:
        assert self.client is not None, "only the redis backend has a client"
        return self.client

    def session_keys(self) -> list[str]:
        return sorted(self.redis.scan_iter(f"{self.prefix}:session:*"))

    def stored_digests(self, app: FastAPI) -> list[str]:
        """SHA-256 digests of the sessions the backend holds."""
        if self.name == "database":
            with session_scope(app.state.sessionmaker) as s:
                return list(s.scalars(select(UserSession.secret_sha256)))
        return [k.rsplit(":", 1)[1] for k in self.session_keys()]

    def set_times(
        self, app: FastAPI, *, last_seen_ago: float | None = None, ends_in: float | None = None
    ) -> None:
        """Rewrite every stored session's last use (seconds ago) or absolute end (from now)."""
        now = utcnow()
        if self.name == "database":
            values = {}
            if last_seen_ago is not None:
                values["last_seen_at"] = now - timedelta(seconds=last_seen_ago)
            if ends_in is not None:
                values["expires_at"] = now + timedelta(seconds=ends_in)
            with session_scope(app.state.sessionmaker) as s:
                s.execute(update(UserSession).values(**values))
            return
        epoch = time.time()
        for key in self.session_keys():
            if last_seen_ago is not None:
                self.redis.hset(key, "last_seen_at", repr(epoch - last_seen_ago))
            if ends_in is not None:
                self.redis.hset(key, "expires_at", repr(epoch + ends_in))

    def last_seen_ago(self, app: FastAPI) -> float:
        """Seconds since the (one) stored session was last used."""
        if self.name == "database":
            with session_scope(app.state.sessionmaker) as s:
                row = s.scalars(select(UserSession)).one()
                return (utcnow() - row.last_seen_at).total_seconds()
        (key,) = self.session_keys()
        return time.time() - float(self.redis.hget(key, "last_seen_at") or 0)

    def close(self) -> None:
        if self.client is not None:
            for key in self.client.scan_iter(f"{self.prefix}:*"):
                self.client.delete(key)
            self.client.close()
