"""What the app refuses before any handler runs: oversized bodies; and who may read /metrics."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from lantian.config import Settings

MiB = 1024 * 1024


def test_a_50_mb_anonymous_login_body_is_refused_with_413(client: TestClient) -> None:
    body = b'{"username": "' + b"a" * (50 * MiB) + b'", "password": "x"}'
    r = client.post(
        "/api/v1/auth/login", content=body, headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 413
    assert "larger than" in r.json()["detail"]
    assert r.headers["x-content-type-options"] == "nosniff"  # still a normal response of the app


def test_a_body_without_length_is_counted_as_it_arrives(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(3):
            yield b"x" * MiB

    r = client.post(
        "/api/v1/auth/login", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 413


def test_bodies_under_the_limit_pass(client: TestClient, users: dict[str, str]) -> None:
    r = client.post(
        "/api/v1/auth/login",
        json={"username": "reviewer", "password": "wrong password" + " " * 900},
    )
    assert r.status_code == 401


def test_metrics_are_for_loopback_by_default(app: FastAPI, client: TestClient) -> None:
    assert client.get("/metrics").status_code == 200  # the client fixture is on 127.0.0.1
    with TestClient(app, client=("203.0.113.9", 4000)) as outsider:
        r = outsider.get("/metrics")
        assert r.status_code == 403 and "lantian_http_requests_total" not in r.text


def test_metrics_with_a_token_need_the_token_even_on_loopback(
    settings: Settings, app: FastAPI
) -> None:
    token = "metrics-scrape-secret"
    guarded = create_app(
        settings.model_copy(update={"metrics_token": SecretStr(token)}),
        migrate=False,
        index_sync_s=None,
    )
    with TestClient(guarded, client=("127.0.0.1", 4000)) as c:
        assert c.get("/metrics").status_code == 403
        assert c.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
        r = c.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200 and "lantian_http_requests_total" in r.text
    with TestClient(guarded, client=("203.0.113.9", 4000)) as outsider:
        assert (
            outsider.get("/metrics", headers={"Authorization": f"Bearer {token}"}).status_code
            == 200
        )
