"""Issue 17, findings 3 and 4: out-of-range input is a 422 naming the field, never a 500, and the
API refuses the campaigns the CLI refuses (cron by APScheduler's parser, platforms by the profiles)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

HUGE = 9223372036854775808  # 2**63, one past SQL BIGINT


@pytest.mark.parametrize("month", ["0000-01", "9999-12", "1999-12", "2101-01"])
def test_report_months_out_of_range_are_422(reviewer: TestClient, month: str) -> None:
    for fmt in ("json", "xlsx", "html"):
        r = reviewer.get(f"/api/v1/takedowns/reports/{month}", params={"format": fmt})
        assert r.status_code == 422, r.text
        assert "year" in r.json()["detail"]
    assert reviewer.get("/api/v1/takedowns/reports/2026-11").status_code == 200


def test_ui_report_month_out_of_range_is_422(client: TestClient, users: dict[str, str]) -> None:
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    r = client.post(
        "/login",
        data={"username": "reviewer", "password": "correct horse battery", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert client.get("/takedowns/report", params={"month": "0000-01"}).status_code == 422
    assert client.get("/takedowns/report", params={"month": "2026-11"}).status_code == 200


BODY = {"name": "bounds", "keywords": ["包授权"], "platforms": ["taobaobei"]}


def test_campaign_interval_overflow_is_422(supervisor: TestClient) -> None:
    r = supervisor.post("/api/v1/campaigns", json={**BODY, "schedule_interval_s": HUGE})
    assert r.status_code == 422, r.text
    made = supervisor.post("/api/v1/campaigns", json=BODY)
    assert made.status_code == 201, made.text
    cid = made.json()["id"]
    r = supervisor.patch(f"/api/v1/campaigns/{cid}", json={"schedule_interval_s": HUGE})
    assert r.status_code == 422, r.text
    r = supervisor.post(
        "/api/v1/campaigns", json={**BODY, "name": "b2", "limits": {"max_seconds": HUGE}}
    )
    assert r.status_code == 422, r.text
    assert supervisor.get(f"/api/v1/campaigns/{HUGE}").status_code == 422


@pytest.mark.parametrize("cron", ["* * *", "61 * * * *", "every day", "* * * * * *"])
def test_the_api_refuses_a_cron_line_the_scheduler_cannot_run(
    supervisor: TestClient, cron: str
) -> None:
    r = supervisor.post("/api/v1/campaigns", json={**BODY, "schedule_cron": cron})
    assert r.status_code == 422 and "schedule_cron" in r.json()["detail"], r.text
    cid = supervisor.post("/api/v1/campaigns", json=BODY).json()["id"]
    r = supervisor.patch(f"/api/v1/campaigns/{cid}", json={"schedule_cron": cron})
    assert r.status_code == 422 and "schedule_cron" in r.json()["detail"], r.text
    ok = supervisor.patch(f"/api/v1/campaigns/{cid}", json={"schedule_cron": "0 3 * * 1-5"})
    assert ok.status_code == 200 and ok.json()["schedule_cron"] == "0 3 * * 1-5"


def test_the_api_refuses_unknown_platforms(supervisor: TestClient) -> None:
    r = supervisor.post("/api/v1/campaigns", json={**BODY, "platforms": ["nosuchplatform"]})
    assert r.status_code == 422
    assert "nosuchplatform" in r.json()["detail"] and "taobaobei" in r.json()["detail"]
    cid = supervisor.post("/api/v1/campaigns", json=BODY).json()["id"]
    r = supervisor.patch(f"/api/v1/campaigns/{cid}", json={"platforms": ["nosuchplatform"]})
    assert r.status_code == 422
