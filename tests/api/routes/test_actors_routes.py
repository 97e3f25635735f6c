"""Actors over the REST API: profile across platforms, merge and split audited, transfer, offices."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from store.db import session_scope
from store.models import AuditEntry, Listing, ListingStatus


def _audit(app: FastAPI, action: str) -> list[AuditEntry]:
    with session_scope(app.state.sessionmaker) as s:
        rows = list(s.scalars(select(AuditEntry).where(AuditEntry.action == action)))
        s.expunge_all()
        return rows


def test_actor_profile_spans_platforms_and_explains_its_risk(reviewer: TestClient, seed) -> None:  # type: ignore[no-untyped-def]
    aid = seed.actor("快通", "kt8888")
    a = seed.listing("包授权", "发明专利包授权", platform="taobao", actor_id=aid,
                     status=ListingStatus.confirmed, region="广东 深圳")  # fmt: skip
    b = seed.listing("保过", "商标保过", platform="xianyu", actor_id=aid,
                     status=ListingStatus.confirmed, region="浙江 杭州", severity="medium")  # fmt: skip
    seed.listing("别人", "无关", platform="taobao", status=ListingStatus.confirmed)
    page = reviewer.get("/api/v1/actors", params={"min_platforms": 2}).json()
    assert [x["id"] for x in page["items"]] == [aid] and page["total"] == 1
    detail = reviewer.get(f"/api/v1/actors/{aid}").json()
    assert {x["id"] for x in detail["items"]} == {a, b}
    assert detail["platforms"] == ["taobao", "xianyu"]
    assert detail["contacts"] == {"wechat": ["kt8888"]}
    parts = {p["key"]: p for p in detail["risk"]["parts"]}
    assert parts["platforms"]["points"] == 10 and "2个平台" in parts["platforms"]["detail"]
    assert parts["findings"]["detail"].startswith("2条确认线索")
    assert parts["severity"]["points"] == 15
    assert detail["risk"]["score"] == sum(p["points"] for p in parts.values())
    assert detail["licence_register"]["status"] == "unnamed"
    assert reviewer.get("/api/v1/actors/999999").status_code == 404


def test_merge_and_split_are_audited_with_their_reason(
    app: FastAPI, reviewer: TestClient, seed
) -> None:  # type: ignore[no-untyped-def]
    one = seed.actor("甲", "wx-a")
    two = seed.actor("乙", "wx-b")
    l1 = seed.listing(
        "包授权1", "甲的", platform="taobao", actor_id=one, status=ListingStatus.confirmed
    )
    l2 = seed.listing(
        "包授权2", "乙的", platform="jd", actor_id=two, status=ListingStatus.confirmed
    )
    r = reviewer.post(f"/api/v1/actors/{two}/merge", json={"into": one, "reason": "同一营业执照"})
    assert r.status_code == 200, r.text
    merged = r.json()
    assert {x["id"] for x in merged["items"]} == {l1, l2}
    assert sorted(merged["contacts"]["wechat"]) == ["wx-a", "wx-b"]
    assert reviewer.get(f"/api/v1/actors/{two}").json()["merged_into_id"] == one
    [entry] = _audit(app, "actor.merge")
    assert entry.actor == "reviewer" and entry.detail["reason"] == "同一营业执照"
    assert entry.detail["merged"] == two and entry.object_id == str(one)
    # no reason, no merge
    assert (
        reviewer.post(f"/api/v1/actors/{one}/merge", json={"into": two, "reason": ""}).status_code
        == 422
    )
    r = reviewer.post(
        f"/api/v1/actors/{one}/split", json={"listing_ids": [l2], "reason": "联系方式被冒用"}
    )
    assert r.status_code == 201, r.text
    new = r.json()
    assert [x["id"] for x in new["items"]] == [l2] and new["items"][0]["pinned"] is True
    assert new["separated_from"] == [one]
    [entry] = _audit(app, "actor.split")
    assert entry.detail["reason"] == "联系方式被冒用" and entry.detail["listings"] == [l2]
    # a split that would empty the actor is refused
    r = reviewer.post(f"/api/v1/actors/{one}/split", json={"listing_ids": [l1], "reason": "x全部"})
    assert r.status_code == 409 and "empty" in r.json()["detail"]


def test_offices_are_derived_with_a_reason_and_a_supervisor_transfers_a_case(
    app: FastAPI, reviewer: TestClient, supervisor: TestClient, seed
) -> None:  # type: ignore[no-untyped-def]
    aid = seed.actor("丙", "wx-c")
    seed.listing("包授权", "详询 地址：温州市鹿城区", platform="taobao", actor_id=aid,
                 status=ListingStatus.confirmed, region="广东 深圳")  # fmt: skip
    seed.listing("保过", "无地址", platform="jd", actor_id=aid, status=ListingStatus.confirmed,
                 region="广东 深圳")  # fmt: skip
    bare = seed.listing("挂证", "无", platform="forum", status=ListingStatus.confirmed, region=None)
    assert reviewer.post("/api/v1/offices/assign").status_code == 403
    report = supervisor.post("/api/v1/offices/assign").json()
    assert report["listings"] == 3 and report["by_source"] == {
        "shop_region": 1, "platform_region": 1, "fallback": 1,
    }  # fmt: skip
    # the queue filters by responsible office; a province includes its cities
    wenzhou = reviewer.get("/api/v1/listings", params={"office": "330300"}).json()
    assert wenzhou["total"] == 1
    assert (
        reviewer.get("/api/v1/listings", params={"office": "330000"}).json()["total"] == 2
    )  # + fallback
    assert reviewer.get("/api/v1/listings", params={"office": "440000"}).json()["total"] == 1
    r = reviewer.get("/api/v1/listings", params={"office": "440000", "q": "包授权"})
    assert r.status_code == 422 and "office filter" in r.json()["detail"]
    stats = reviewer.get("/api/v1/offices/stats").json()
    assert (
        stats["by_office"] == {"330300": 1, "440300": 1, "330000": 1} and stats["unassigned"] == 0
    )
    assert reviewer.get("/api/v1/offices/stats", params={"office": "440000"}).json()["total"] == 1
    detail = reviewer.get(f"/api/v1/actors/{aid}").json()
    assert detail["office"]["code"] == "330300" and detail["office"]["source"] == "shop_region"
    assert "温州市鹿城区" in detail["office"]["reason"]
    with session_scope(app.state.sessionmaker) as s:
        confirmed = s.scalars(
            select(Listing).where(Listing.status == ListingStatus.confirmed)
        ).all()
        assert all(x.office_code and x.office_reason for x in confirmed)
        assert s.get(Listing, bare).office_source == "fallback"  # type: ignore[union-attr]
    body = {"office": "440300", "note": "商家实际经营地在深圳"}
    assert reviewer.post(f"/api/v1/actors/{aid}/transfer", json=body).status_code == 403
    r = supervisor.post(f"/api/v1/actors/{aid}/transfer", json=body)
    assert r.status_code == 200, r.text
    moved = r.json()
    assert moved["office"]["code"] == "440300" and moved["office"]["source"] == "transfer"
    assert all(x["office"]["code"] == "440300" for x in moved["items"])
    [entry] = _audit(app, "actor.transfer")
    assert entry.actor == "supervisor" and entry.detail["note"] == "商家实际经营地在深圳"
    # derivation does not undo the transfer
    supervisor.post("/api/v1/offices/assign")
    assert reviewer.get(f"/api/v1/actors/{aid}").json()["office"]["code"] == "440300"
    page = reviewer.get("/api/v1/actors", params={"office": "440300"}).json()
    assert [x["id"] for x in page["items"]] == [aid]
    assert (
        supervisor.post(
            f"/api/v1/actors/{aid}/transfer", json={"office": "999999", "note": "不存在"}
        ).status_code
        == 409
    )
