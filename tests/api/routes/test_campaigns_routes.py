"""Campaign runs through the API; starting a crawl goes to campaigns.start_run (no crawl is launched here)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from store.db import session_scope
from store.models import CampaignRun, RunStatus, utcnow


def test_start_now_refuses_overlap_and_unknown_campaigns(
    app: FastAPI, supervisor: TestClient, reviewer: TestClient
) -> None:
    body = {"name": "蓝天-专项", "keywords": ["包授权"], "platforms": ["taobaobei"]}
    cid = supervisor.post("/api/v1/campaigns", json=body).json()["id"]
    with session_scope(app.state.sessionmaker) as s:
        run = CampaignRun(
            campaign_id=cid,
            status=RunStatus.running,
            trigger="schedule",
            started_at=utcnow(),
            stats={"item_scraped_count": 12},
        )
        s.add(run)
        s.flush()
        run_id = run.id

    assert reviewer.post(f"/api/v1/campaigns/{cid}/runs").status_code == 403
    r = supervisor.post(f"/api/v1/campaigns/{cid}/runs")
    assert r.status_code == 409 and str(run_id) in r.json()["detail"]
    assert supervisor.post("/api/v1/campaigns/987654/runs").status_code == 404

    progress = reviewer.get(f"/api/v1/runs/{run_id}").json()
    assert progress["status"] == "running" and progress["stats"] == {"item_scraped_count": 12}
    assert [x["id"] for x in reviewer.get(f"/api/v1/campaigns/{cid}/runs").json()] == [run_id]
    assert supervisor.delete(f"/api/v1/campaigns/{cid}").status_code == 409  # it has runs
