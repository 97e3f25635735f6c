"""Choosing the session store and login limiter: the database's, or Redis's when configured.

Apart from :mod:`store.sessions` so that neither backend module imports the other.
"""

from __future__ import annotations

from typing import Literal, Protocol

from store.sessions import (
    DatabaseSessions,
    LoginCounter,
    LoginLimiter,
    SessionPolicy,
    SessionStore,
)

SessionBackend = Literal["auto", "database", "redis"]


class SessionBackendError(Exception):
    """The configured session backend cannot be used (e.g. redis without a URL)."""


def open_backends(
    policy: SessionPolicy,
    backend: SessionBackend = "auto",
    *,
    redis_url: str | None = None,
    redis_prefix: str = "lantian",
) -> tuple[SessionStore, LoginCounter]:
    """The session store and login limiter to use: Redis when chosen (``auto``: when a Redis
    URL is given), else the database."""
    if backend == "redis" or (backend == "auto" and redis_url):
        if not redis_url:
            raise SessionBackendError("session_backend 'redis' needs redis_url")
        from store.redis_sessions import RedisLoginLimiter, RedisSessions, connect

        client = connect(redis_url)
        return RedisSessions(client, policy, redis_prefix), RedisLoginLimiter(client, redis_prefix)
    return DatabaseSessions(policy), LoginLimiter()


class SessionSettings(Protocol):
    """What choosing the session backends reads of the settings (the shell's satisfy it)."""

    @property
    def session_backend(self) -> SessionBackend: ...
    @property
    def session_idle_timeout_s(self) -> int: ...
    @property
    def session_absolute_timeout_s(self) -> int: ...
    @property
    def redis_url(self) -> str | None: ...
    @property
    def redis_key_prefix(self) -> str: ...


def open_backends_for(settings: SessionSettings) -> tuple[SessionStore, LoginCounter]:
    """The session store and login limiter these settings choose (close the store after)."""
    policy = SessionPolicy(
        idle_s=settings.session_idle_timeout_s, absolute_s=settings.session_absolute_timeout_s
    )
    return open_backends(
        policy,
        settings.session_backend,
        redis_url=settings.redis_url,
        redis_prefix=settings.redis_key_prefix,
    )
