from __future__ import annotations

from fastapi.testclient import TestClient

from store.models import ListingStatus


def test_unauthenticated_reads_nothing(client: TestClient, seed) -> None:  # type: ignore[no-untyped-def]
    lid = seed.listing("包授权", "专利包授权 不成功全额退款")
    for path in (
        "/api/v1/listings",
        f"/api/v1/listings/{lid}",
        "/api/v1/dashboard",
        "/api/v1/campaigns",
        "/api/v1/audit",
        "/api/v1/users",
        f"/api/v1/listings/{lid}/reviews",
    ):
        assert client.get(path).status_code == 401, path
    assert (
        client.get("/api/v1/listings", headers={"Authorization": "Bearer lt_forged"}).status_code
        == 401
    )


def test_filters_and_queue_order(reviewer: TestClient, seed) -> None:  # type: ignore[no-untyped-def]
    a = seed.listing("专利包授权", "包授权 保过", platform="market", score=0.95, region="北京")
    b = seed.listing(
        "挂证招聘",
        "代理师证书挂靠 人不用到岗",
        platform="forum",
        categories=("certificate_renting",),
        score=0.7,
        severity="medium",
        region="上海",
    )
    c = seed.listing(
        "正规代理", "不承诺授权结果", status=ListingStatus.dismissed, score=0.1, severity="low"
    )

    queue = reviewer.get("/api/v1/listings", params={"queue": "true"}).json()
    assert [i["id"] for i in queue["items"]] == [a, b]
    assert queue["total"] == 2

    assert [
        i["id"]
        for i in reviewer.get("/api/v1/listings", params={"platform": "forum"}).json()["items"]
    ] == [b]
    assert [
        i["id"]
        for i in reviewer.get(
            "/api/v1/listings", params={"category": "certificate_renting"}
        ).json()["items"]
    ] == [b]
    assert [
        i["id"]
        for i in reviewer.get(
            "/api/v1/listings", params={"region": "北京", "status": "flagged"}
        ).json()["items"]
    ] == [a]
    assert [
        i["id"]
        for i in reviewer.get("/api/v1/listings", params={"severity": "low"}).json()["items"]
    ] == [c]
    assert reviewer.get("/api/v1/listings", params={"category": "x'; drop"}).status_code == 422


def test_full_text_search_uses_the_index_with_filters(reviewer: TestClient, seed) -> None:  # type: ignore[no-untyped-def]
    a = seed.listing("发明专利代写", "论文改专利，评职称专用，包授权")
    b = seed.listing("商标注册", "商标包通过，100%注册成功", platform="forum")
    r = reviewer.get("/api/v1/listings", params={"q": "评职称"}).json()
    assert [i["id"] for i in r["items"]] == [a]
    r = reviewer.get("/api/v1/listings", params={"q": "注册成功"}).json()
    assert [i["id"] for i in r["items"]] == [b]
    r = reviewer.get("/api/v1/listings", params={"q": "包授权", "platform": "forum"}).json()
    assert r["items"] == [] and r["total"] == 0
    assert reviewer.get("/api/v1/listings", params={"q": '"OR*) NEAR('}).status_code == 200


def test_detail_has_hits_actor_and_captures(reviewer: TestClient, seed, png: bytes) -> None:  # type: ignore[no-untyped-def]
    actor = seed.actor("张三工作室", "wx_zhang")
    other = seed.listing("另一个", "挂证", actor_id=actor)
    lid = seed.listing(
        "包授权代理",
        "发明专利包授权，不授权全额退款",
        hits=[("guarantee", "包授权")],
        actor_id=actor,
        screenshot=png,
    )
    d = reviewer.get(f"/api/v1/listings/{lid}").json()
    hit = d["classification"]["hits"][0]
    full = d["versions"][0]["title"] + "\n" + d["versions"][0]["text"]
    assert full[hit["start"] : hit["end"]] == "包授权"
    assert d["actor"]["contacts"] == [{"kind": "wechat", "value": "wx_zhang"}]
    assert [o["id"] for o in d["actor"]["other_listings"]] == [other]
    cap = d["captures"][0]
    assert cap["verified_ok"] is True and cap["artifacts"][0]["kind"] == "screenshot"
    assert reviewer.get("/api/v1/listings/999999").status_code == 404
