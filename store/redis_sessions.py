"""Sessions and login-failure counts in Redis, for several API processes or machines.

Keys, under one prefix (``<prefix>:``):

- ``session:<sha256 of the cookie secret>``: a hash with the session's id, user,
  CSRF token, times, client and user agent.  Its TTL is the shorter of the idle
  timeout and what is left until the absolute end, renewed on every request, so
  Redis itself forgets a session that was idle too long or has lived too long.
- ``user-sessions:<user id>``: a hash session id -> digest, to list a user's
  sessions and end them all (password, role change, deactivation, "sign out
  everywhere").  Ending a session deletes its key: revocation is immediate for
  every process; the reason is kept by the audit log, not in Redis.
- ``session-next-id``: the counter that numbers sessions (the API addresses
  them by integer id, as with the database backend).
- ``login-failures:ip:<address>`` / ``login-failures:user:<name>``: a sorted set of
  failure times, trimmed to the window and expiring with it.
"""

from __future__ import annotations

import math
import secrets
import time
from datetime import UTC, datetime

import redis
from sqlalchemy.orm import Session

from store.models import User
from store.sessions import IssuedSession, SessionPolicy, SessionRecord, secret_digest

# Renew the idle TTL only while the key exists: a session revoked between the read and
# the touch must not come back as a hash holding nothing but last_seen_at.
_TOUCH = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], 'last_seen_at', ARGV[1])
  redis.call('EXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
"""
_FIELDS = (
    "id",
    "user_id",
    "csrf_token",
    "created_at",
    "last_seen_at",
    "expires_at",
    "client",
    "user_agent",
)


def connect(url: str) -> redis.Redis:
    """A client that answers with str and gives up quickly when Redis is away."""
    return redis.Redis.from_url(
        url, decode_responses=True, socket_connect_timeout=3, socket_timeout=5
    )


def _when(epoch: str) -> datetime:
    return datetime.fromtimestamp(float(epoch), UTC)


class RedisSessions:
    """``SessionStore`` in Redis; users themselves stay in the database."""

    def __init__(self, client: redis.Redis, policy: SessionPolicy, prefix: str) -> None:
        self.client = client
        self.policy = policy
        self.prefix = prefix.rstrip(":") + ":"
        self._touch = client.register_script(_TOUCH)

    def _key(self, digest: str) -> str:
        return f"{self.prefix}session:{digest}"

    def _index(self, user_id: int) -> str:
        return f"{self.prefix}user-sessions:{user_id}"

    def _ttl(self, now: float, expires_at: float) -> int:
        """Seconds the key may live: to the idle end or the absolute end, whichever is first."""
        return math.ceil(min(self.policy.idle_s, expires_at - now))

    def create(
        self, db: Session, user: User, *, client: str = "", user_agent: str = ""
    ) -> IssuedSession:
        now = time.time()
        secret = secrets.token_urlsafe(32)
        digest = secret_digest(secret)
        session_id = int(self.client.incr(f"{self.prefix}session-next-id"))
        expires_at = now + self.policy.absolute_s
        fields: dict[str, str] = {
            "id": str(session_id),
            "user_id": str(user.id),
            "csrf_token": secrets.token_urlsafe(24),
            "created_at": repr(now),
            "last_seen_at": repr(now),
            "expires_at": repr(expires_at),
            "client": client[:64],
            "user_agent": user_agent[:300],
        }
        pipe = self.client.pipeline(transaction=True)
        pipe.hset(self._key(digest), mapping=fields)  # type: ignore[arg-type]  # invariant key type in the stubs
        pipe.expire(self._key(digest), self._ttl(now, expires_at))
        pipe.hset(self._index(user.id), str(session_id), digest)
        pipe.expire(self._index(user.id), self.policy.absolute_s)  # outlives each member
        pipe.execute()
        return IssuedSession(self._record(fields), secret)

    @staticmethod
    def _record(h: dict[str, str]) -> SessionRecord:
        return SessionRecord(
            id=int(h["id"]),
            user_id=int(h["user_id"]),
            csrf_token=h["csrf_token"],
            created_at=_when(h["created_at"]),
            last_seen_at=_when(h["last_seen_at"]),
            expires_at=_when(h["expires_at"]),
            client=h.get("client", ""),
            user_agent=h.get("user_agent", ""),
        )

    def _live_fields(self, h: dict[str, str], now: float) -> bool:
        if any(f not in h for f in _FIELDS):
            return False
        return now < float(h["expires_at"]) and now - float(h["last_seen_at"]) < self.policy.idle_s

    def resolve(self, db: Session, secret: str) -> tuple[SessionRecord, User] | None:
        if not secret:
            return None
        now = time.time()
        key = self._key(secret_digest(secret))
        h: dict[str, str] = self.client.hgetall(key)  # type: ignore[assignment]
        if not h:
            return None
        if not self._live_fields(h, now):
            self.client.delete(key)
            return None
        user = db.get(User, int(h["user_id"]))
        if user is None or not user.active:
            return None
        if not self._touch(keys=[key], args=[repr(now), self._ttl(now, float(h["expires_at"]))]):
            return None  # revoked while we looked
        h["last_seen_at"] = repr(now)
        return self._record(h), user

    def revoke(self, db: Session, user_id: int, session_id: int, reason: str) -> bool:
        index = self._index(user_id)
        digest = self.client.hget(index, str(session_id))
        if digest is None:
            return False
        pipe = self.client.pipeline(transaction=True)
        pipe.delete(self._key(str(digest)))
        pipe.hdel(index, str(session_id))
        deleted, _ = pipe.execute()
        return bool(deleted)

    def revoke_user(
        self, db: Session, user_id: int, reason: str, *, keep: int | None = None
    ) -> int:
        index = self._index(user_id)
        members: dict[str, str] = self.client.hgetall(index)  # type: ignore[assignment]
        ending = [(sid, d) for sid, d in members.items() if keep is None or sid != str(keep)]
        if not ending:
            return 0
        pipe = self.client.pipeline(transaction=True)
        for sid, digest in ending:
            pipe.delete(self._key(digest))
            pipe.hdel(index, sid)
        results = pipe.execute()
        return sum(1 for deleted in results[0::2] if deleted)

    def live(self, db: Session, user_id: int) -> list[SessionRecord]:
        now = time.time()
        index = self._index(user_id)
        members: dict[str, str] = self.client.hgetall(index)  # type: ignore[assignment]
        pipe = self.client.pipeline(transaction=False)
        for digest in members.values():
            pipe.hgetall(self._key(digest))
        found: list[SessionRecord] = []
        gone: list[str] = []
        for (sid, _), h in zip(members.items(), pipe.execute(), strict=True):
            if h and self._live_fields(h, now):
                found.append(self._record(h))
            elif not h:
                gone.append(sid)
        if gone:  # expired by Redis: forget them in the index too
            self.client.hdel(index, *gone)
        return sorted(found, key=lambda r: r.id, reverse=True)

    def close(self) -> None:
        self.client.close()


class RedisLoginLimiter:
    """``LoginLimiter`` with its counts in Redis sorted sets (same rule: ``max_failures``
    per client address and per username within ``window_s``)."""

    def __init__(
        self, client: redis.Redis, prefix: str, max_failures: int = 5, window_s: float = 300.0
    ) -> None:
        self.client = client
        self.prefix = prefix.rstrip(":") + ":"
        self.max_failures = max_failures
        self.window_s = window_s

    def _keys(self, client: str, username: str) -> tuple[str, str]:
        base = f"{self.prefix}login-failures:"
        return base + f"ip:{client}"[:200], base + f"user:{username.lower()}"[:200]

    def retry_after(self, session: Session, client: str, username: str) -> int:
        now = time.time()
        pipe = self.client.pipeline(transaction=False)
        keys = self._keys(client, username)
        for key in keys:
            pipe.zremrangebyscore(key, "-inf", now - self.window_s)
            pipe.zcard(key)
            pipe.zrange(key, 0, 0, withscores=True)
        results = pipe.execute()
        worst = 0.0
        for i in range(len(keys)):
            count, oldest = results[3 * i + 1], results[3 * i + 2]
            if count >= self.max_failures and oldest:
                worst = max(worst, self.window_s - (now - float(oldest[0][1])))
        return int(worst) + 1 if worst > 0 else 0

    def failed(self, session: Session, client: str, username: str) -> None:
        now = time.time()
        pipe = self.client.pipeline(transaction=True)
        for key in self._keys(client, username):
            pipe.zadd(key, {f"{now!r}:{secrets.token_hex(4)}": now})
            pipe.expire(key, math.ceil(self.window_s))
        pipe.execute()

    def succeeded(self, session: Session, client: str, username: str) -> None:
        self.client.delete(self._keys(client, username)[1])
