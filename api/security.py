"""Session cookies, CSRF tokens, login rate limiting and the security headers.

The session cookie is a signed (itsdangerous) record of the user id, the
user's password-hash fingerprint (so a password change ends old sessions) and
the session's CSRF token.  The cookie is HttpOnly and SameSite=Lax; ``Secure``
follows ``settings.session_cookie_secure``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SESSION_COOKIE = "lantian_session"
LOGIN_CSRF_COOKIE = "lantian_login_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FORM_FIELD = "csrf_token"
SESSION_MAX_AGE_S = 12 * 3600

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'; "
    "connect-src 'self'"
)
SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


@dataclass(frozen=True)
class SessionData:
    user_id: int
    fingerprint: str
    csrf: str


def password_fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode("utf-8")).hexdigest()[:16]


class SessionCodec:
    """Signs and reads the session cookie."""

    def __init__(self, secret: str, max_age_s: int = SESSION_MAX_AGE_S) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="lantian.session")
        self.max_age_s = max_age_s

    def issue(self, user_id: int, password_hash: str) -> tuple[str, SessionData]:
        data = SessionData(user_id, password_fingerprint(password_hash), secrets.token_urlsafe(24))
        cookie = self._serializer.dumps({"u": data.user_id, "f": data.fingerprint, "c": data.csrf})
        return cookie, data

    def read(self, cookie: str | None) -> SessionData | None:
        if not cookie:
            return None
        try:
            raw = self._serializer.loads(cookie, max_age=self.max_age_s)
        except BadSignature:
            return None
        if not isinstance(raw, dict):
            return None
        try:
            return SessionData(int(raw["u"]), str(raw["f"]), str(raw["c"]))
        except (KeyError, TypeError, ValueError):
            return None


def tokens_match(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


class LoginRateLimiter:
    """At most ``max_failures`` failed logins per client address and per username per window.

    In-process memory: with several API workers each counts on its own.
    """

    def __init__(self, max_failures: int = 5, window_s: float = 300.0) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._failures.setdefault(key, deque())
        while q and now - q[0] > self.window_s:
            q.popleft()
        return q

    def retry_after(self, client: str, username: str) -> int:
        """Seconds to wait before another attempt is allowed, 0 if allowed now."""
        now = time.monotonic()
        with self._lock:
            worst = 0.0
            for key in (f"ip:{client}", f"user:{username.lower()}"):
                q = self._recent(key, now)
                if len(q) >= self.max_failures:
                    worst = max(worst, self.window_s - (now - q[0]))
            return int(worst) + 1 if worst > 0 else 0

    def failed(self, client: str, username: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in (f"ip:{client}", f"user:{username.lower()}"):
                self._recent(key, now).append(now)

    def succeeded(self, client: str, username: str) -> None:
        with self._lock:
            self._failures.pop(f"user:{username.lower()}", None)


class SecurityHeadersMiddleware:
    """Adds CSP, nosniff and framing headers to every HTTP response (unless already set)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend((k, v) for k, v in SECURITY_HEADERS if k not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
