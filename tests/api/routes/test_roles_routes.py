"""What each role may not do, checked on the REST API."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_reviewer_cannot_approve_a_takedown(reviewer: TestClient, supervisor: TestClient) -> None:
    r = reviewer.post("/api/v1/takedowns/TD-NOPE/approve")
    assert r.status_code == 403 and "supervisor" in r.json()["detail"]
    assert (
        supervisor.post("/api/v1/takedowns/TD-NOPE/approve").status_code == 404
    )  # allowed, just not found


def test_reviewer_cannot_manage_campaigns_users_or_read_the_audit_log(reviewer: TestClient) -> None:
    body = {"name": "c1", "keywords": ["包授权"], "platforms": ["taobaobei"]}
    assert reviewer.post("/api/v1/campaigns", json=body).status_code == 403
    assert reviewer.get("/api/v1/audit").status_code == 403
    assert reviewer.get("/api/v1/users").status_code == 403
    assert (
        reviewer.post("/api/v1/users", json={"username": "x1", "password": "12345678"}).status_code
        == 403
    )
    assert reviewer.get("/api/v1/campaigns").status_code == 200


def test_supervisor_manages_campaigns_but_not_users(
    supervisor: TestClient, admin: TestClient
) -> None:
    body = {
        "name": "蓝天-1",
        "keywords": ["包授权", "挂证"],
        "platforms": ["taobaobei"],
        "limits": {"pages": 2},
    }
    r = supervisor.post("/api/v1/campaigns", json=body)
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert supervisor.post("/api/v1/campaigns", json=body).status_code == 409
    assert (
        supervisor.post(
            "/api/v1/campaigns", json={**body, "name": "x", "limits": {"bogus": 1}}
        ).status_code
        == 422
    )
    r = supervisor.patch(
        f"/api/v1/campaigns/{cid}", json={"keywords": ["保过"], "limits": {"depth": 1}}
    )
    assert (
        r.status_code == 200
        and r.json()["keywords"] == ["保过"]
        and r.json()["limits"]["depth"] == 1
    )
    assert supervisor.post(f"/api/v1/campaigns/{cid}/pause").json()["paused"] is True
    assert supervisor.post(f"/api/v1/campaigns/{cid}/resume").json()["paused"] is False
    assert supervisor.get(f"/api/v1/campaigns/{cid}/runs").json() == []
    actions = [
        e["action"]
        for e in supervisor.get("/api/v1/audit", params={"object_type": "campaign"}).json()["items"]
    ]
    assert actions == ["campaign.resume", "campaign.pause", "campaign.update", "campaign.create"]
    assert supervisor.delete(f"/api/v1/campaigns/{cid}").status_code == 204

    assert (
        supervisor.post(
            "/api/v1/users", json={"username": "x1", "password": "12345678"}
        ).status_code
        == 403
    )
    r = admin.post(
        "/api/v1/users",
        json={"username": "wang", "password": "a-long-password", "role": "reviewer"},
    )
    assert r.status_code == 201
    uid = r.json()["id"]
    assert (
        admin.patch(f"/api/v1/users/{uid}", json={"role": "supervisor"}).json()["role"]
        == "supervisor"
    )
    assert admin.patch(f"/api/v1/users/{uid}", json={"active": False}).json()["active"] is False
    me = admin.get("/api/v1/auth/me").json()["id"]
    assert admin.patch(f"/api/v1/users/{me}", json={"active": False}).status_code == 409


def test_deactivated_user_token_stops_working(admin: TestClient, reviewer: TestClient) -> None:
    uid = reviewer.get("/api/v1/auth/me").json()["id"]
    admin.patch(f"/api/v1/users/{uid}", json={"active": False})
    assert reviewer.get("/api/v1/listings").status_code == 401
