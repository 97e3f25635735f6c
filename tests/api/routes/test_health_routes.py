from __future__ import annotations

from fastapi.testclient import TestClient


def test_health_ready_and_metrics(client: TestClient, reviewer: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "checks": {}}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ok" and ready["checks"] == {"database": "ok", "search": "ok"}
    reviewer.get("/api/v1/listings")
    metrics = client.get("/metrics").text
    assert (
        'lantian_http_requests_total{method="GET",route="/api/v1/listings",status="200"}' in metrics
    )
    assert "lantian_http_request_seconds_bucket" in metrics
    # crawl figures come from the store, whichever process crawled
    assert "lantian_review_queue_size" in metrics and "lantian_runs{" in metrics


def test_dashboard_counts_by_category_platform_region(reviewer: TestClient, seed) -> None:  # type: ignore[no-untyped-def]
    seed.listing("一", "包授权", platform="market", region="北京")
    seed.listing("二", "挂证", platform="forum", region="上海", categories=("certificate_renting",))
    seed.listing("三", "正常", status="dismissed", categories=())
    d = reviewer.get("/api/v1/dashboard").json()
    assert d["backend"] == "fts5"
    assert d["by_status"] == {"flagged": 2, "dismissed": 1} and d["total"] == 3
    assert d["by_category"] == {"guaranteed_grant": 1, "certificate_renting": 1}
    assert d["by_platform"] == {"market": 1, "forum": 1}
    assert sum(p["count"] for p in d["over_time_by_region"]) == 2
