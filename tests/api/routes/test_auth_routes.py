from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from lantian.config import Settings
from tests.api.sessionkit import SessionBackendKit

PASSWORD = "correct horse battery"


@pytest.fixture
def settings(settings: Settings, session_backend: SessionBackendKit) -> Settings:
    """Login, logout and throttling on both session backends (database, Redis)."""
    return session_backend.apply(settings)


def test_login_sets_httponly_cookie_and_csrf_protects_writes(
    client: TestClient, users: dict[str, str]
) -> None:
    r = client.post("/api/v1/auth/login", json={"username": "reviewer", "password": PASSWORD})
    assert r.status_code == 200, r.text
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    csrf = r.json()["csrf_token"]
    assert client.get("/api/v1/auth/me").json()["username"] == "reviewer"

    no_csrf = client.post("/api/v1/auth/tokens", json={"name": "x"})
    assert no_csrf.status_code == 403
    ok = client.post("/api/v1/auth/tokens", json={"name": "x"}, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 201
    token = ok.json()["token"]
    assert token.startswith("lt_")

    client.cookies.clear()
    assert client.get("/api/v1/auth/me").status_code == 401
    assert (
        client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code
        == 200
    )


def test_wrong_password_is_401_and_repeated_failures_are_throttled(
    client: TestClient, users: dict[str, str]
) -> None:
    codes = [
        client.post(
            "/api/v1/auth/login", json={"username": "admin", "password": "nope-nope"}
        ).status_code
        for _ in range(6)
    ]
    assert codes[:5] == [401] * 5
    assert codes[5] == 429
    # the right password is refused too while throttled
    r = client.post("/api/v1/auth/login", json={"username": "admin", "password": PASSWORD})
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0


def test_revoked_token_is_refused(client: TestClient, users: dict[str, str]) -> None:
    h = {"Authorization": f"Bearer {users['reviewer']}"}
    tokens = client.get("/api/v1/auth/tokens", headers=h).json()
    assert client.delete(f"/api/v1/auth/tokens/{tokens[0]['id']}", headers=h).status_code == 204
    assert client.get("/api/v1/auth/me", headers=h).status_code == 401


def test_security_headers_on_every_response(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"


def test_api_logout_clears_the_session(client: TestClient, users: dict[str, str]) -> None:
    csrf = client.post(
        "/api/v1/auth/login", json={"username": "supervisor", "password": PASSWORD}
    ).json()["csrf_token"]
    assert client.post("/api/v1/auth/logout").status_code == 403  # no CSRF token
    r = client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
    assert r.status_code == 204 and "lantian_session=" in r.headers["set-cookie"]
    assert client.get("/api/v1/auth/me").status_code == 401


def _copy_cookie(src: TestClient, dst: TestClient) -> None:
    for cookie in src.cookies.jar:
        dst.cookies.set(cookie.name, cookie.value or "")


def test_finding_1_after_logout_the_old_cookie_and_csrf_token_get_401(
    app: FastAPI, client: TestClient, users: dict[str, str]
) -> None:
    csrf = client.post(
        "/api/v1/auth/login", json={"username": "reviewer", "password": PASSWORD}
    ).json()["csrf_token"]
    with TestClient(app, base_url="http://127.0.0.1") as stolen:
        _copy_cookie(client, stolen)  # what an attacker kept of the session
        assert stolen.get("/api/v1/auth/me").status_code == 200
        assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
        assert stolen.get("/api/v1/auth/me").status_code == 401
        write = stolen.post(
            "/api/v1/auth/tokens", json={"name": "x"}, headers={"X-CSRF-Token": csrf}
        )
        assert write.status_code == 401
