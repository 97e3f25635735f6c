"""The store stage on both databases: dedup, versions, verdicts, flags and actors (real classifier)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from classifiers import Block, load_default_classifier
from crawler.pipelines.store import store_item, store_items
from spiders.items import ListingItem
from store import engine_scope, make_sessionmaker, session_scope
from store.models import (
    Actor,
    Base,
    Classification,
    Listing,
    ListingStatus,
    ListingVersion,
    RuleHit,
)
from tests.conftest import fresh_postgres


def _item(url: str, text: str, title: str = "代理服务") -> ListingItem:
    item = ListingItem(
        platform="zhiquanba",
        kind="forum",
        page_kind="thread",
        url=url,
        canonical_url=url,
        title=title,
        text=text,
        fields={"author": "甲"},
    )
    item.verdict = load_default_classifier().classify(item.text, item.title)
    return item


def test_listing_versions_flags_and_actor_links(session: Session) -> None:
    ad = _item("http://a.example/t/1", "发明专利包授权，不授权全额退款，加微信 zl888999 详聊")
    store_item(session, ad, run_id=None, campaign_id=None)
    session.commit()
    listing = session.get(Listing, ad.listing_id)
    assert listing is not None and ad.created and ad.changed
    assert listing.status == ListingStatus.flagged and listing.irregular
    assert "guaranteed_grant" in listing.categories
    classification = session.scalar(
        select(Classification).where(Classification.version_id == ad.version_id)
    )
    assert classification is not None
    hits = session.scalars(
        select(RuleHit).where(RuleHit.classification_id == classification.id)
    ).all()
    assert hits and all(h.legal_basis for h in hits)

    again = _item("http://a.example/t/1", ad.text)
    store_item(session, again, run_id=None, campaign_id=None)
    assert not again.created and not again.changed

    edited = _item("http://a.example/t/1", ad.text + "（已更新）")
    store_item(session, edited, run_id=None, campaign_id=None)
    session.commit()
    assert edited.changed and edited.version_id != ad.version_id
    versions = session.scalar(
        select(func.count())
        .select_from(ListingVersion)
        .where(ListingVersion.listing_id == ad.listing_id)
    )
    assert versions == 2

    elsewhere = _item("http://b.example/item/9", "商标注册包通过，联系微信 zl888999")
    store_item(session, elsewhere, run_id=None, campaign_id=None)
    session.commit()
    first, second = session.get(Listing, ad.listing_id), session.get(Listing, elsewhere.listing_id)
    assert first is not None and second is not None
    assert first.actor_id is not None and first.actor_id == second.actor_id
    assert session.scalar(select(func.count()).select_from(Actor)) == 1


def test_reviewer_decision_survives_a_new_verdict(session: Session) -> None:
    ad = _item("http://a.example/t/2", "专利代理师证书挂靠，人不用到岗，年费面议")
    store_item(session, ad, run_id=None, campaign_id=None)
    listing = session.get(Listing, ad.listing_id)
    assert listing is not None
    listing.status = ListingStatus.dismissed
    session.commit()
    changed = _item("http://a.example/t/2", ad.text + " 包授权")
    store_item(session, changed, run_id=None, campaign_id=None)
    session.commit()
    assert session.get(Listing, ad.listing_id).status == ListingStatus.dismissed  # type: ignore[union-attr]


def _batch() -> list[ListingItem]:
    """A batch with what makes order matter: a URL seen twice (changed, then unchanged), a
    landing page ahead of the result it was reached from, listings sharing contacts (the
    last joins two actors), a thread whose offending post is quoted from the version
    current when it was judged."""
    at = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
    landing = {"from_result": {"listing": "http://c.example/r/1"}}
    thread = "发明专利包授权，不授权全额退款，加微信 zl888999 详聊"
    specs = [
        ("http://a.example/t/1", thread, {}),
        ("http://d.example/x/2", "代写专利，包下证，微信 zl888999", {}),
        ("http://b.example/item/9", "专利代理师证书挂靠，人不用到岗", landing),
        ("http://c.example/r/1", "商标注册包通过，联系 QQ 12345678", {}),
        ("http://a.example/t/1", "楼主已删帖：" + thread, {}),
        ("http://c.example/r/1", "商标注册包通过，联系 QQ 12345678", {}),
        ("http://e.example/n/3", "国家知识产权局发布打击非正常专利申请通知", {}),
        ("http://f.example/m/4", "专利包授权，微信 zl888999 或 QQ 12345678", {}),
    ]
    items = []
    for n, (url, text, fields) in enumerate(specs):
        item = _item(url, text)
        item.fields = {"author": "甲", **fields}
        item.fetched_at = at + timedelta(seconds=n)
        items.append(item)
    first = items[0].verdict
    assert first is not None and first.irregular
    items[0].verdict = replace(
        first, blocks=[Block(0, len(items[0].title) + 5, "post", "甲", "1楼")], offending_block=0
    )
    items[4].verdict = None  # not judged: the listing keeps the quote of its first sighting
    return items


def _dump(url: str, since: datetime) -> list[tuple[str, list[Any]]]:
    """Every row of every table in key order; times written by the store itself read NOW."""

    def value(v: Any) -> Any:
        if isinstance(v, datetime) and v.replace(tzinfo=None) >= since.replace(tzinfo=None):
            return "NOW"
        return v

    with engine_scope(url) as engine, engine.connect() as conn:
        return [
            (
                table.name,
                [
                    tuple(map(value, row))
                    for row in conn.execute(table.select().order_by(*table.primary_key))
                ],
            )
            for table in Base.metadata.sorted_tables
        ]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def two_databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """Two empty databases of one kind: items written one at a time, and as a batch."""
    if request.param == "sqlite":
        yield {how: f"sqlite:///{tmp_path / how}.sqlite3" for how in ("one", "batch")}
        return
    admin = request.getfixturevalue("postgres_admin_url")
    with fresh_postgres(admin) as one, fresh_postgres(admin) as batch:
        yield {"one": one, "batch": batch}


def test_a_batch_writes_the_rows_one_at_a_time_would(two_databases: dict[str, str]) -> None:
    since = datetime.now(UTC)
    urls = two_databases
    for how in ("one", "batch"):
        with engine_scope(urls[how], migrate=True) as engine:
            with session_scope(make_sessionmaker(engine)) as session:
                items = _batch()
                if how == "one":
                    for item in items:
                        store_item(session, item, run_id=None, campaign_id=None)
                else:
                    store_items(session, items, run_id=None, campaign_id=None)
            assert [(i.created, i.changed) for i in items] == [
                (True, True), (True, True), (True, True), (True, True),
                (False, True), (False, False), (True, True), (True, True),
            ]  # fmt: skip
    one, batch = _dump(urls["one"], since), _dump(urls["batch"], since)
    assert one == batch
    tables = dict(batch)
    assert len(tables["listings"]) == 6 and len(tables["listing_versions"]) == 7
    assert [row[3] for row in tables["audit_log"]] == ["actor.auto_merge"]
    assert any(row for row in tables["rule_hits"]) and tables["actor_contacts"]
    with engine_scope(urls["batch"]) as engine, Session(engine) as session:
        landing = session.scalar(
            select(Listing).where(Listing.canonical_url == "http://b.example/item/9")
        )
        result = session.scalar(
            select(Listing).where(Listing.canonical_url == "http://c.example/r/1")
        )
        assert landing is not None and result is not None
        assert landing.found_via_id is None  # its result was stored after it
        thread = session.scalar(
            select(Listing).where(Listing.canonical_url == "http://a.example/t/1")
        )
        assert thread is not None and thread.offending_post is not None
        assert thread.offending_post["text"] == "代理服务\n发明专利"


def test_a_partial_batch_waits_for_companions_until_its_first_item_is_old(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tick sends a partial batch only once its first item has waited flush_interval;
    a full batch goes at once, and the items after it start a new wait."""
    from crawler.pipelines import store as stage

    clock = [100.0]
    monkeypatch.setattr(stage.time, "monotonic", lambda: clock[0])
    with engine_scope(f"sqlite:///{tmp_path / 'db.sqlite3'}") as engine:
        pipe = stage.StorePipeline(make_sessionmaker(engine), batch_size=3)
        written: list[list[str]] = []
        monkeypatch.setattr(pipe, "_write", lambda batch: written.append([i.title for i in batch]))
        try:
            pipe.process_item(_plain("a"))
            clock[0] += 0.6
            pipe.process_item(_plain("b"))
            pipe._tick()
            _settle(pipe)
            assert written == []  # 'a' has waited 0.6 s of 1.0
            clock[0] += 0.4
            pipe._tick()
            _settle(pipe)
            assert written == [["a", "b"]]
            for name in "cdef":
                pipe.process_item(_plain(name))
            _settle(pipe)
            assert written[1:] == [["c", "d", "e"]]  # full: at once
            clock[0] += 0.9
            pipe._tick()
            _settle(pipe)
            assert written[2:] == []  # 'f' came 0.9 s ago
        finally:
            pipe.close_spider()
        assert written[2:] == [["f"]]  # closing writes what is left


def _settle(pipe: Any) -> None:
    """Wait for the batches submitted so far, submitting nothing (unlike ``flush``)."""
    for future in list(pipe._pending):
        future.result()


def _plain(name: str) -> ListingItem:
    url = f"https://t.example/{name}"
    return ListingItem(
        platform="zhiquanba", kind="forum", page_kind="thread", url=url, canonical_url=url,
        title=name, text=name,
    )  # fmt: skip


def test_the_store_stages_of_a_process_share_one_engine_per_database(tmp_path: Path) -> None:
    """One engine (pool, compiled statements) for the crawlers of a crawl; the last to close
    disposes of it, and the next crawl gets a new one."""
    from crawler.pipelines.store import _engines, _release_engine, _shared_engine

    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    first, second = _shared_engine(url), _shared_engine(url)
    other = _shared_engine(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    try:
        assert first is second and other is not first
        _release_engine(first)
        assert url in _engines  # the second crawler still writes
    finally:
        _release_engine(second)
        _release_engine(other)
    assert url not in _engines and not _engines
    again = _shared_engine(url)
    assert again is not first
    _release_engine(again)
