"""A thread is judged post by post: a crawl of the sandbox forum records which reply made the
offer (floor, author, the reply page it is on), links that author as an actor, and the
takedown item cites the post, since platforms delete posts, not discussions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from sandbox.render import THREAD_PAGE_SIZE
from spiders.urls import canonical_url
from store.actors import POST_AUTHOR
from store.db import make_engine, make_sessionmaker
from store.models import ActorContact, Listing
from takedown.categories import default_catalog
from takedown.document import item_document
from tests.crawler.conftest import run_crawl, write_campaign

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _page_url(thread_url: str, floor: int) -> str:
    page = (floor - 1) // THREAD_PAGE_SIZE + 1
    return thread_url if page == 1 else f"{thread_url}?pn={page}"


def test_late_reply_offer_is_recorded_linked_and_cited(sandbox: Any, tmp_path: Path) -> None:
    base = sandbox.urls["zhiquanba"]
    campaign = write_campaign(tmp_path / "threads.yaml", {"zhiquanba": base}, keywords=["抢注"])
    result = run_crawl(campaign, tmp_path / "var", timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    # threads whose offer sits in a reply, not in the opening post
    truth = {
        canonical_url(r["url"]): r
        for r in sandbox.truth()
        if r["kind"] == "thread" and r["claim_location"] == "reply" and r["platform"] == "zhiquanba"
    }
    engine = make_engine(f"sqlite:///{result.db}")
    try:
        with make_sessionmaker(engine)() as session:
            listings = [
                listing
                for listing in session.scalars(select(Listing).where(Listing.irregular))
                if listing.canonical_url in truth
            ]
            assert len(listings) >= 3, "the keyword reaches several threads with a reply offer"
            later_page = 0
            catalog = default_catalog()
            for listing in listings:
                record = truth[listing.canonical_url]
                post = listing.offending_post
                assert post is not None, listing.url
                offers = {f"#{p['floor']}": p["author"] for p in record["offending_posts"]}
                assert post["floor"] in offers, (post, offers)
                assert post["author"] == offers[post["floor"]]
                floor = int(str(post["floor"]).lstrip("#"))
                assert canonical_url(post["url"]) == canonical_url(_page_url(record["url"], floor))
                later_page += floor > THREAD_PAGE_SIZE
                # the poster is an actor; the thread's opener is not
                contacts = {
                    (c.kind, c.value)
                    for c in session.scalars(
                        select(ActorContact).where(ActorContact.actor_id == listing.actor_id)
                    )
                }
                assert (POST_AUTHOR, f"zhiquanba:{post['author']}".lower()) in contacts
                # the notice item cites the post and summarises what it offers, not the question
                item = item_document(session, listing, 1, catalog, "draft")
                assert item.post is not None and item.post["author"] == post["author"]
                assert item.offers.startswith(f"违规帖子：第{floor}楼")
                assert post["author"] in item.offers and post["text"][:10] in item.offers
    finally:
        engine.dispose()
    assert later_page >= 1, "at least one offer sits on a later reply page"
