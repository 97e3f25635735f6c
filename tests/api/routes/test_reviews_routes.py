from __future__ import annotations

from fastapi.testclient import TestClient

from store.models import ListingStatus


def _audit(supervisor: TestClient, listing_id: int) -> list[dict]:  # type: ignore[type-arg]
    return supervisor.get(
        "/api/v1/audit", params={"object_id": str(listing_id), "action": "review."}
    ).json()["items"]


def test_confirm_writes_review_audit_and_updates_the_index(
    reviewer: TestClient, supervisor: TestClient, seed
) -> None:  # type: ignore[no-untyped-def]
    lid = seed.listing("包授权", "发明专利包授权")
    r = reviewer.post(f"/api/v1/listings/{lid}/reviews", json={"action": "confirm"})
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "confirmed"
    history = reviewer.get(f"/api/v1/listings/{lid}/reviews").json()
    assert [(h["action"], h["user"]) for h in history] == [("confirm", "reviewer")]
    entry = _audit(supervisor, lid)[0]
    assert entry["actor"] == "reviewer" and entry["action"] == "review.confirm"
    assert (
        entry["detail"]["status_before"] == "flagged"
        and entry["detail"]["status_after"] == "confirmed"
    )
    # the search index follows the status change
    found = reviewer.get("/api/v1/listings", params={"q": "包授权", "status": "confirmed"}).json()
    assert [i["id"] for i in found["items"]] == [lid]
    # and the queue no longer shows it
    assert reviewer.get("/api/v1/listings", params={"queue": "true"}).json()["total"] == 0


def test_dismiss_needs_reason_and_decided_listings_need_reopen(reviewer: TestClient, seed) -> None:  # type: ignore[no-untyped-def]
    lid = seed.listing("标题", "正文")
    assert (
        reviewer.post(f"/api/v1/listings/{lid}/reviews", json={"action": "dismiss"}).status_code
        == 422
    )
    r = reviewer.post(
        f"/api/v1/listings/{lid}/reviews", json={"action": "dismiss", "reason": "新闻报道"}
    )
    assert r.json()["status"] == "dismissed"
    assert (
        reviewer.post(f"/api/v1/listings/{lid}/reviews", json={"action": "confirm"}).status_code
        == 409
    )
    assert (
        reviewer.post(f"/api/v1/listings/{lid}/reviews", json={"action": "reopen"}).json()["status"]
        == "flagged"
    )
    assert (
        reviewer.post(f"/api/v1/listings/{lid}/reviews", json={"action": "note"}).status_code == 422
    )
    assert (
        reviewer.post(
            f"/api/v1/listings/{lid}/reviews", json={"action": "note", "reason": "再看看"}
        ).status_code
        == 201
    )
    assert (
        reviewer.post("/api/v1/listings/424242/reviews", json={"action": "confirm"}).status_code
        == 404
    )


def test_escalated_listing_is_decided_by_a_supervisor(
    reviewer: TestClient, supervisor: TestClient, seed
) -> None:  # type: ignore[no-untyped-def]
    lid = seed.listing("挂证", "证书挂靠")
    assert (
        reviewer.post(f"/api/v1/listings/{lid}/reviews", json={"action": "escalate"}).json()[
            "status"
        ]
        == "escalated"
    )
    assert (
        reviewer.post(f"/api/v1/listings/{lid}/reviews", json={"action": "confirm"}).status_code
        == 403
    )
    assert (
        supervisor.post(f"/api/v1/listings/{lid}/reviews", json={"action": "confirm"}).json()[
            "status"
        ]
        == "confirmed"
    )


def test_assign_to_a_user(reviewer: TestClient, seed) -> None:  # type: ignore[no-untyped-def]
    lid = seed.listing("标题", "正文")
    assert (
        reviewer.post(
            f"/api/v1/listings/{lid}/reviews", json={"action": "assign", "assignee": "nobody"}
        ).status_code
        == 422
    )
    r = reviewer.post(
        f"/api/v1/listings/{lid}/reviews", json={"action": "assign", "assignee": "supervisor"}
    )
    assert r.status_code == 201
    detail = reviewer.get(f"/api/v1/listings/{lid}").json()
    assert detail["assigned_to_id"] is not None and detail["reviews"][0]["assignee"] == "supervisor"


def test_bulk_review_reports_each_listing(reviewer: TestClient, seed) -> None:  # type: ignore[no-untyped-def]
    a = seed.listing("一", "包授权")
    b = seed.listing("二", "包授权", status=ListingStatus.dismissed)
    r = reviewer.post(
        "/api/v1/reviews/bulk", json={"action": "confirm", "listing_ids": [a, b, 999]}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert [x["listing_id"] for x in body["results"]] == [a]
    assert set(body["errors"]) == {str(b), "999"}
