"""The watch tier has its own queue filter, and a listing explains genre, block and stance per hit."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from store.db import session_scope
from store.models import Classification, Listing, ListingStatus, RuleHit

PASSWORD = "correct horse battery"


def _login(client: TestClient, username: str) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token, "next": "/queue"},
        follow_redirects=False,
    )


def _mark_watch(app: FastAPI, listing_id: int) -> None:
    """What the classify and store stages leave for a page that promotes without offering."""
    with session_scope(app.state.sessionmaker) as s:
        listing = s.get(Listing, listing_id)
        assert listing is not None
        listing.tier, listing.genre, listing.status = "watch", "explainer", ListingStatus.new
        listing.irregular = False
        c = s.scalar(
            select(Classification).where(Classification.version_id == listing.current_version_id)
        )
        assert c is not None
        c.tier, c.genre, c.irregular = "watch", "explainer", False
        c.blocks = [
            {"start": 0, "end": 8, "kind": "title", "author": None, "ref": None},
            {"start": 9, "end": 60, "kind": "paragraph", "author": None, "ref": None},
        ]
        for hit in s.scalars(select(RuleHit).where(RuleHit.classification_id == c.id)):
            hit.block, hit.stance, hit.counted = 1, "promoted", False
            hit.why = "recommends the practice"


def test_watch_pages_have_their_own_filter_and_explain_why_nothing_counted(  # type: ignore[no-untyped-def]
    app: FastAPI, client: TestClient, users: dict[str, str], seed
) -> None:
    offer = seed.listing("专利包授权", "发明专利包授权，不授权全额退款", hits=[("gg", "包授权")])
    watch = seed.listing(
        "转让专利能评职称吗",
        "转让获得的专利一样可以评职称加分，时间来不及可以选择转让。",
        hits=[("ap.purpose_trade", "评职称加分")],
        status=ListingStatus.new,
    )
    _mark_watch(app, watch)
    with session_scope(app.state.sessionmaker) as s:
        listing = s.get(Listing, offer)
        assert listing is not None
        listing.tier = "offer"
    _login(client, "reviewer")

    api = client.get("/api/v1/listings", params={"tier": "watch"}).json()
    assert [i["id"] for i in api["items"]] == [watch] and api["items"][0]["tier"] == "watch"
    assert client.get("/api/v1/listings", params={"tier": "loud"}).status_code == 422

    queue = client.get("/queue").text
    assert f"/listings/{offer}" in queue and f"/listings/{watch}" not in queue
    watched = client.get("/queue", params={"tier": "watch"}).text
    assert f"/listings/{watch}" in watched and f"/listings/{offer}" not in watched
    assert 'name="tier"' in watched

    page = client.get(f"/listings/{watch}").text
    assert "说明/问答文章" in page and "观察" in page  # genre and tier
    assert "推荐该做法" in page and "未计入" in page and "正文段落" in page


def test_a_thread_shows_the_offending_post_first(  # type: ignore[no-untyped-def]
    app: FastAPI, client: TestClient, users: dict[str, str], seed
) -> None:
    from store.classifications import offending_post

    title = "商标被抢注了怎么办？"
    question = "我的商标被人抢注了，请问怎么办？"
    offer = "专业撤三，抢注包成功，加V详聊"
    listing_id = seed.listing(title, question + "\n" + offer, hits=[("tm", "抢注包成功")])
    q_start = len(title) + 1
    o_start = q_start + len(question) + 1
    with session_scope(app.state.sessionmaker) as s:
        listing = s.get(Listing, listing_id)
        assert listing is not None
        c = s.scalar(
            select(Classification).where(Classification.version_id == listing.current_version_id)
        )
        assert c is not None
        c.irregular, c.tier = True, "offer"
        c.blocks = [
            {"start": 0, "end": len(title), "kind": "title", "author": None, "ref": None},
            {"start": q_start, "end": q_start + len(question), "kind": "post",
             "author": "小李", "ref": "#1", "url": None},
            {"start": o_start, "end": o_start + len(offer), "kind": "post",
             "author": "快标<b>", "ref": "#7", "url": "http://forum.example/t/9?pn=2"},
        ]  # fmt: skip
        c.offending_block = 2
        listing.offending_post = offending_post(listing, c)
        assert listing.offending_post == {
            "block": 2,
            "floor": "#7",
            "author": "快标<b>",
            "url": "http://forum.example/t/9?pn=2",
            "text": offer,
        }
    _login(client, "reviewer")
    page = client.get(f"/listings/{listing_id}").text
    section = page.index('id="offending-post"')
    assert section < page.index('id="page-text"')  # the post comes before the whole thread
    box = page[section : page.index("</section>", section)]
    assert "#7" in box and "快标&lt;b&gt;" in box and "?pn=2" in box and offer in box
    assert question not in box
    api = client.get(f"/api/v1/listings/{listing_id}").json()
    assert api["offending_post"]["floor"] == "#7" and api["offending_post"]["author"] == "快标<b>"
