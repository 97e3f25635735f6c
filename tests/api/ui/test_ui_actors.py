"""The actor page: listings across platforms, risk parts, hostile text escaped, split and transfer forms."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from test_ui_views import _login

from store.db import session_scope
from store.models import AuditEntry, Listing, ListingStatus


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def test_actor_page_shows_the_case_and_a_split_goes_to_the_audit_log(
    app: FastAPI, client: TestClient, users: dict[str, str], seed
) -> None:  # type: ignore[no-untyped-def]
    aid = seed.actor("<script>x()</script>快通", "kt8888")
    a = seed.listing("包授权", "发明专利包授权", platform="taobao", actor_id=aid,
                     status=ListingStatus.confirmed, shop='<img src=x onerror="y()">店')  # fmt: skip
    b = seed.listing(
        "保过", "商标保过", platform="xianyu", actor_id=aid, status=ListingStatus.confirmed
    )
    _login(client, "reviewer")
    html = client.get("/actors?min_platforms=2").text
    assert f'href="/actors/{aid}"' in html
    html = client.get(f"/actors/{aid}").text
    assert "<script>x()</script>" not in html and "&lt;script&gt;" in html
    assert "<img src=x" not in html
    assert f'href="/listings/{a}"' in html and f'href="/listings/{b}"' in html
    assert f'href="/actors/{aid}"' in client.get(f"/listings/{a}").text  # from the listing page
    assert "跨平台" in html and "分布在2个平台" in html
    assert "未具名代理机构" in html
    assert f'action="/actors/{aid}/transfer"' not in html  # reviewers do not transfer
    r = client.post(
        f"/actors/{aid}/split",
        data={"csrf_token": _csrf(html), "listing_id": [str(b)], "reason": "账号已转让他人"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    new_page = client.get(r.headers["location"]).text
    assert "已从主体" in new_page and "人工指定" in new_page
    with session_scope(app.state.sessionmaker) as s:
        [entry] = s.scalars(select(AuditEntry).where(AuditEntry.action == "actor.split")).all()
        assert entry.actor == "reviewer" and entry.detail["reason"] == "账号已转让他人"
        assert s.get(Listing, b).actor_id != aid  # type: ignore[union-attr]
    # without the CSRF token the form is refused
    r = client.post(
        f"/actors/{aid}/merge", data={"into": "1", "reason": "x"}, follow_redirects=False
    )
    assert r.status_code in (400, 403)


def test_supervisor_transfers_from_the_page(
    app: FastAPI, client: TestClient, users: dict[str, str], seed
) -> None:  # type: ignore[no-untyped-def]
    aid = seed.actor("丁", "wx-d")
    lid = seed.listing(
        "包授权", "文本", platform="taobao", actor_id=aid, status=ListingStatus.confirmed
    )
    _login(client, "supervisor")
    html = client.get(f"/actors/{aid}").text
    assert f'action="/actors/{aid}/transfer"' in html
    r = client.post(
        f"/actors/{aid}/transfer",
        data={"csrf_token": _csrf(html), "office": "110000", "note": "经营者住所在北京"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert "已移交北京市知识产权局" in page and "经营者住所在北京" in page
    dash = client.get("/dashboard?office=110000").text
    assert "按负责单位 · 北京市知识产权局" in dash and "违规线索 1 条" in dash
    assert "上级移交" in dash  # how the office was decided
    queue = client.get("/queue?status=confirmed&office=110000").text
    assert f'href="/listings/{lid}"' in queue
    assert f'href="/listings/{lid}"' not in client.get("/queue?status=confirmed&office=440000").text
