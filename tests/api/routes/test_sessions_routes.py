"""Server-side sessions: logout and account changes end them at once, timeouts, the session list,
Secure cookies, and login throttling shared by every API process.

Every test runs on both session backends (the database and the real Redis, under a key
prefix of its own), unless it names one: the ``settings`` fixture below points the app at
``session_backend``.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from lantian.config import Settings
from store.db import session_scope
from store.models import LoginFailure, User, UserSession, utcnow
from tests.api.sessionkit import SessionBackendKit

PASSWORD = "correct horse battery"
LOGIN = "/api/v1/auth/login"
only_database = pytest.mark.parametrize("session_backend", ["database"], indirect=True)
only_redis = pytest.mark.parametrize(
    "session_backend", [pytest.param("redis", marks=pytest.mark.redis)], indirect=True
)


@pytest.fixture
def settings(settings: Settings, session_backend: SessionBackendKit) -> Settings:
    return session_backend.apply(settings)


def _login(client: TestClient, username: str = "reviewer") -> str:
    r = client.post(LOGIN, json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    csrf: str = r.json()["csrf_token"]
    return csrf


def _copy_cookie(src: TestClient, dst: TestClient) -> None:
    for cookie in src.cookies.jar:
        dst.cookies.set(cookie.name, cookie.value or "")


def test_ui_logout_ends_the_session_server_side(
    app: FastAPI, client: TestClient, users: dict[str, str]
) -> None:
    csrf = _login(client, "supervisor")
    with TestClient(app, base_url="http://127.0.0.1") as stolen:
        _copy_cookie(client, stolen)
        r = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
        assert r.status_code == 303
        assert stolen.get("/api/v1/auth/me").status_code == 401
        assert stolen.get("/queue", follow_redirects=False).status_code == 303  # to the login page


def test_the_cookie_holds_a_random_secret_and_the_backend_only_its_hash(
    app: FastAPI, client: TestClient, users: dict[str, str], session_backend: SessionBackendKit
) -> None:
    _login(client)
    secret = client.cookies.get("lantian_session")
    assert secret and len(secret) >= 40
    assert session_backend.stored_digests(app) == [hashlib.sha256(secret.encode()).hexdigest()]
    with session_scope(app.state.sessionmaker) as s:
        rows = s.scalars(select(UserSession)).all()
        if session_backend.name == "redis":
            assert rows == []  # the sessions live in Redis, not in the table
            (key,) = session_backend.session_keys()
            assert secret not in session_backend.redis.hgetall(key).values()
        else:
            assert secret not in {rows[0].secret_sha256, rows[0].csrf_token}


@pytest.mark.parametrize(
    "change",
    [
        {"password": "another long password"},
        {"role": "supervisor"},
        {"active": False},
    ],
    ids=["password", "role", "deactivation"],
)
def test_password_role_and_deactivation_end_sessions(
    client: TestClient, admin: TestClient, users: dict[str, str], change: dict[str, object]
) -> None:
    _login(client, "reviewer")
    assert client.get("/api/v1/auth/me").status_code == 200
    me = [u for u in admin.get("/api/v1/users").json() if u["username"] == "reviewer"][0]
    assert admin.patch(f"/api/v1/users/{me['id']}", json=change).status_code == 200
    assert client.get("/api/v1/auth/me").status_code == 401


@pytest.mark.parametrize("which", ["idle", "absolute"])
def test_idle_and_absolute_timeouts(
    app: FastAPI,
    client: TestClient,
    users: dict[str, str],
    which: str,
    session_backend: SessionBackendKit,
) -> None:
    _login(client)
    assert client.get("/api/v1/auth/me").status_code == 200
    policy = app.state.session_policy
    if which == "idle":
        session_backend.set_times(app, last_seen_ago=policy.idle_s + 1)
    else:
        session_backend.set_times(app, ends_in=-1)
    assert client.get("/api/v1/auth/me").status_code == 401


def test_activity_keeps_a_session_alive_within_the_idle_timeout(
    app: FastAPI, client: TestClient, users: dict[str, str], session_backend: SessionBackendKit
) -> None:
    _login(client)
    policy = app.state.session_policy
    session_backend.set_times(app, last_seen_ago=policy.idle_s - 30)
    assert session_backend.last_seen_ago(app) > 60
    assert client.get("/api/v1/auth/me").status_code == 200
    assert session_backend.last_seen_ago(app) < 30  # touched


def test_list_sessions_revoke_one_and_sign_out_everywhere(
    app: FastAPI, client: TestClient, users: dict[str, str]
) -> None:
    csrf = _login(client, "supervisor")
    with (
        TestClient(app, base_url="http://127.0.0.1") as laptop,
        TestClient(app, base_url="http://127.0.0.1") as phone,
        TestClient(app, base_url="http://127.0.0.1") as other,
    ):
        _login(laptop, "supervisor")
        _login(phone, "supervisor")
        _login(other, "reviewer")
        listed = client.get("/api/v1/auth/sessions").json()
        assert len(listed) == 3 and sum(s["current"] for s in listed) == 1
        phone_id = phone.get("/api/v1/auth/sessions").json()
        phone_id = [s["id"] for s in phone_id if s["current"]][0]
        r = client.delete(f"/api/v1/auth/sessions/{phone_id}", headers={"X-CSRF-Token": csrf})
        assert r.status_code == 204
        assert phone.get("/api/v1/auth/me").status_code == 401
        # someone else's session is not yours to end
        other_id = [s["id"] for s in other.get("/api/v1/auth/sessions").json()][0]
        r = client.delete(f"/api/v1/auth/sessions/{other_id}", headers={"X-CSRF-Token": csrf})
        assert r.status_code == 404

        r = client.post("/api/v1/auth/sessions/revoke-all", headers={"X-CSRF-Token": csrf})
        assert r.status_code == 200 and r.json() == {"ended": 2}
        assert client.get("/api/v1/auth/me").status_code == 401
        assert laptop.get("/api/v1/auth/me").status_code == 401
        assert other.get("/api/v1/auth/me").status_code == 200


def test_ui_sessions_page_and_sign_out_everywhere(
    app: FastAPI, client: TestClient, users: dict[str, str]
) -> None:
    csrf = _login(client, "reviewer")
    with TestClient(app, base_url="http://127.0.0.1", headers={"User-Agent": "<b>evil</b>"}) as b:
        _login(b, "reviewer")
        page = client.get("/account/sessions")
        assert page.status_code == 200 and "本会话" in page.text
        assert "&lt;b&gt;evil&lt;/b&gt;" in page.text and "<b>evil</b>" not in page.text
        assert client.post("/account/sessions/revoke-all", data={}).status_code == 403  # CSRF
        r = client.post(
            "/account/sessions/revoke-all", data={"csrf_token": csrf}, follow_redirects=False
        )
        assert r.status_code == 303 and r.headers["location"] == "/login"
        assert b.get("/api/v1/auth/me").status_code == 401


def test_cookie_is_secure_over_https_behind_a_trusted_proxy_or_when_forced(
    app: FastAPI, settings: Settings, users: dict[str, str]
) -> None:
    def cookie(application: FastAPI, base: str, headers: dict[str, str] | None = None) -> str:
        with TestClient(application, base_url=base) as c:
            r = c.post(
                LOGIN, json={"username": "reviewer", "password": PASSWORD}, headers=headers or {}
            )
            assert r.status_code == 200, r.text
            return r.headers["set-cookie"].lower()

    forwarded = {"X-Forwarded-Proto": "https"}
    assert "secure" not in cookie(app, "http://127.0.0.1")
    assert "secure" in cookie(app, "https://127.0.0.1")
    assert "secure" not in cookie(app, "http://127.0.0.1", forwarded)  # proxy not trusted
    trusting = create_app(
        settings.model_copy(update={"trust_forwarded_proto": True}),
        migrate=False,
        index_sync_s=None,
    )
    assert "secure" in cookie(trusting, "http://127.0.0.1", forwarded)
    assert "secure" not in cookie(trusting, "http://127.0.0.1")
    forced = create_app(
        settings.model_copy(update={"session_cookie_secure": True}),
        migrate=False,
        index_sync_s=None,
    )
    assert "secure" in cookie(forced, "http://127.0.0.1")


@pytest.fixture
def second_process_app(settings: Settings, app: FastAPI) -> Iterator[FastAPI]:
    """Another API process on the same database: its own app object, memory and limiter."""
    other = create_app(settings, migrate=False, index_sync_s=None)
    with TestClient(other):
        yield other


def test_login_throttling_is_shared_across_processes(
    app: FastAPI, second_process_app: FastAPI, users: dict[str, str]
) -> None:
    assert second_process_app.state.login_limiter is not app.state.login_limiter
    bad = {"username": "admin", "password": "nope-nope"}
    with TestClient(app) as first, TestClient(second_process_app) as second:
        assert [first.post(LOGIN, json=bad).status_code for _ in range(3)] == [401] * 3
        assert [second.post(LOGIN, json=bad).status_code for _ in range(2)] == [401] * 2
        r = second.post(LOGIN, json={"username": "admin", "password": PASSWORD})
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
        assert (
            first.post(LOGIN, json={"username": "admin", "password": PASSWORD}).status_code == 429
        )


@only_database
def test_session_rows_belong_to_users(
    app: FastAPI, client: TestClient, users: dict[str, str]
) -> None:
    _login(client, "admin")
    with session_scope(app.state.sessionmaker) as s:
        row = s.scalars(select(UserSession)).one()
        assert s.get(User, row.user_id).username == "admin"  # type: ignore[union-attr]


@only_database
def test_long_ended_sessions_are_deleted_at_the_next_login(
    app: FastAPI, client: TestClient, users: dict[str, str]
) -> None:
    _login(client)
    _login(client)
    with session_scope(app.state.sessionmaker) as s:
        first = s.scalars(select(UserSession).order_by(UserSession.id)).first()
        assert first is not None
        first.expires_at = utcnow() - timedelta(days=31)
        keep_id = first.id + 1
    _login(client)
    with session_scope(app.state.sessionmaker) as s:
        ids = set(s.scalars(select(UserSession.id)))
        assert keep_id in ids and len(ids) == 2


# --- Redis: its own TTLs do the timing, revocation deletes keys ----------------------------


@only_redis
def test_redis_ttl_is_the_idle_timeout_capped_by_the_absolute_end(
    app: FastAPI,
    client: TestClient,
    settings: Settings,
    users: dict[str, str],
    session_backend: SessionBackendKit,
) -> None:
    _login(client)
    (key,) = session_backend.session_keys()
    idle = app.state.session_policy.idle_s
    assert idle - 10 < session_backend.redis.ttl(key) <= idle
    session_backend.redis.expire(key, 30)  # as if unused for idle - 30 s
    assert client.get("/api/v1/auth/me").status_code == 200
    assert session_backend.redis.ttl(key) > idle - 10  # a request renews it

    short = create_app(
        settings.model_copy(update={"session_absolute_timeout_s": 300}),
        migrate=False,
        index_sync_s=None,
    )
    with TestClient(short, base_url="http://127.0.0.1") as c:
        _login(c)
        secret = c.cookies.get("lantian_session") or ""
        new_key = f"{session_backend.prefix}:session:{hashlib.sha256(secret.encode()).hexdigest()}"
        assert 290 < session_backend.redis.ttl(new_key) <= 300  # never past the absolute end
        assert c.get("/api/v1/auth/me").status_code == 200
        assert session_backend.redis.ttl(new_key) <= 300


@only_redis
def test_redis_forgetting_a_session_ends_it_and_the_list_drops_it(
    app: FastAPI, client: TestClient, users: dict[str, str], session_backend: SessionBackendKit
) -> None:
    _login(client, "supervisor")
    with TestClient(app, base_url="http://127.0.0.1") as other:
        _login(other, "supervisor")
        assert len(client.get("/api/v1/auth/sessions").json()) == 2
        other_secret = other.cookies.get("lantian_session") or ""
        other_key = (
            f"{session_backend.prefix}:session:{hashlib.sha256(other_secret.encode()).hexdigest()}"
        )
        session_backend.redis.pexpire(other_key, 1)  # its TTL ran out
        time.sleep(0.05)
        assert other.get("/api/v1/auth/me").status_code == 401
        assert len(client.get("/api/v1/auth/sessions").json()) == 1
        index = session_backend.redis.keys(f"{session_backend.prefix}:user-sessions:*")
        assert [len(session_backend.redis.hkeys(k)) for k in index] == [1]  # pruned


@only_redis
def test_redis_touch_never_brings_back_a_revoked_session(
    app: FastAPI, client: TestClient, users: dict[str, str], session_backend: SessionBackendKit
) -> None:
    """The idle renewal of a request racing a logout must not recreate the deleted key."""
    _login(client)
    (key,) = session_backend.session_keys()
    session_backend.redis.delete(key)  # revoked between the request's read and its touch
    store = app.state.session_store
    assert store._touch(keys=[key], args=[repr(time.time()), 3600]) == 0
    assert session_backend.redis.exists(key) == 0
    assert client.get("/api/v1/auth/me").status_code == 401


@only_redis
def test_redis_login_failures_are_counted_in_redis_and_expire_with_the_window(
    app: FastAPI, client: TestClient, users: dict[str, str], session_backend: SessionBackendKit
) -> None:
    bad = {"username": "Admin", "password": "nope-nope"}
    assert [client.post(LOGIN, json=bad).status_code for _ in range(5)] == [401] * 5
    assert client.post(LOGIN, json=bad).status_code == 429
    keys = sorted(session_backend.redis.scan_iter(f"{session_backend.prefix}:login-failures:*"))
    assert [k.split("login-failures:")[1] for k in keys] == ["ip:127.0.0.1", "user:admin"]
    window = app.state.login_limiter.window_s
    assert all(0 < session_backend.redis.ttl(k) <= window for k in keys)
    with session_scope(app.state.sessionmaker) as s:
        assert s.scalars(select(LoginFailure)).all() == []


def test_the_cli_password_change_ends_sessions_where_they_live(
    app: FastAPI,
    client: TestClient,
    users: dict[str, str],
    session_backend: SessionBackendKit,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from typer.testing import CliRunner

    from lantian.cli import app as cli
    from lantian.config import get_settings

    for key, value in session_backend.apply(app.state.settings).model_dump().items():
        if key in {"session_backend", "redis_url", "redis_key_prefix"} and value is not None:
            monkeypatch.setenv(f"LANTIAN_{key.upper()}", str(value))
    get_settings.cache_clear()
    _login(client, "reviewer")
    assert client.get("/api/v1/auth/me").status_code == 200
    result = CliRunner().invoke(
        cli, ["users", "password", "reviewer", "--password-stdin"], input="a new long password\n"
    )
    assert result.exit_code == 0, result.output
    assert client.get("/api/v1/auth/me").status_code == 401


def test_redis_sessions_without_a_redis_url_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    from typer.testing import CliRunner

    from lantian.cli import app as cli

    monkeypatch.setenv("LANTIAN_SESSION_BACKEND", "redis")
    monkeypatch.delenv("LANTIAN_REDIS_URL", raising=False)
    result = CliRunner().invoke(cli, ["users", "list"])
    assert result.exit_code == 2
    assert "session_backend" in result.output and "redis_url" in result.output


@only_database  # builds its own app on a Redis that does not answer
def test_a_session_store_that_does_not_answer_is_a_503_not_a_500(
    settings: Settings, app: FastAPI, users: dict[str, str]
) -> None:
    away = create_app(
        settings.model_copy(
            update={"session_backend": "redis", "redis_url": "redis://127.0.0.1:9/0"}
        ),
        migrate=False,
        index_sync_s=None,
    )
    with TestClient(away, base_url="http://127.0.0.1") as c:
        r = c.post(LOGIN, json={"username": "reviewer", "password": PASSWORD})
        assert r.status_code == 503 and "Redis" in r.json()["detail"]
        c.cookies.set("lantian_session", "x" * 43)
        assert c.get("/api/v1/auth/me").status_code == 503


@only_database  # points the CLI at a Redis that does not answer
def test_the_cli_refuses_a_password_change_it_cannot_end_sessions_for(
    app: FastAPI, users: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from lantian.cli import app as cli
    from lantian.config import get_settings

    monkeypatch.setenv("LANTIAN_SESSION_BACKEND", "redis")
    monkeypatch.setenv("LANTIAN_REDIS_URL", "redis://127.0.0.1:9/0")
    get_settings.cache_clear()
    with session_scope(app.state.sessionmaker) as s:
        before = s.scalars(select(User.password_hash).where(User.username == "reviewer")).one()
    result = CliRunner().invoke(
        cli, ["users", "password", "reviewer", "--password-stdin"], input="a new long password\n"
    )
    assert result.exit_code == 2 and "redis_url" in result.output
    with session_scope(app.state.sessionmaker) as s:
        after = s.scalars(select(User.password_hash).where(User.username == "reviewer")).one()
    assert after == before
