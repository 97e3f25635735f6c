"""The search index answers what the database says, however a listing's state changed.

Each path that changes a listing's status, review or takedown state (the review API, the
``lantian`` CLI, the demo's simulated reviewer, a takedown re-check and the scheduler's
re-check job) goes through ``store.listing_state``, which queues the listing in the
index outbox in the same transaction; the API's index syncer drains it.  Before this,
a review that did not go through the API left the index (and the dashboard it answers)
showing the listing's old status.  Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from api.app import create_app
from api.indexing import IndexSyncer
from campaigns import scheduler
from campaigns.record import dispose_engines
from lantian.cli import app as cli
from lantian.config import Settings, get_settings, load_settings
from lantian.demo import DEMO_REVIEWER, simulated_review
from spiders.urls import canonical_url
from store.db import session_scope, upgrade_url
from store.listing_state import queue_for_index
from store.listings import Observation, record_observation
from store.models import IndexOutbox, Listing, ListingStatus, Role, TakedownNotice, User
from store.search import (
    SearchBackend,
    SearchQuery,
    drain_outbox,
    rebuild_index,
    run_search,
    userdict_path,
)
from store.users import create_api_token
from takedown import recheck_due
from takedown.grouping import draft_notices
from takedown.recheck import recheck_notice
from takedown.workflow import approve, mark_sent
from tests.takedown.td_seed import T0, add_listing
from tests.takedown.td_server import Site, serve


@pytest.fixture
def site() -> Iterator[Site]:
    with serve() as s:
        yield s


@pytest.fixture
def world(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings on ``database_url`` (SQLite or PostgreSQL), read by the CLI from the environment."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LANTIAN_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("LANTIAN_DATABASE_URL", database_url)
    monkeypatch.setenv("LANTIAN_ALLOW_PRIVATE_NETWORKS", "true")
    monkeypatch.setenv("LANTIAN_TAKEDOWN_RECHECK_CAPTURE", "false")
    get_settings.cache_clear()
    settings = load_settings()
    upgrade_url(settings.resolved_database_url)
    yield settings
    get_settings.cache_clear()
    dispose_engines()


def _indexed(backend: SearchBackend, status: ListingStatus) -> set[int]:
    return set(run_search(backend, SearchQuery(statuses=[status.value], limit=1000)).ids)


def _flagged(session: Session, url: str, score: float) -> Listing:
    listing = record_observation(
        session,
        Observation(
            platform_key="taobao", canonical_url=url, url=url, title="专利包授权", text="包授权"
        ),
    ).listing
    listing.status, listing.irregular, listing.score = ListingStatus.flagged, True, score
    return listing


def _sent_notice(session: Session, site: Site, shop: str, path: str, boss: User) -> TakedownNotice:
    add_listing(
        session,
        "taobao",
        site.live(path, f"{shop}专利包授权"),
        title=f"{shop}专利包授权",
        text="包授权",
        shop=shop,
        categories=["guaranteed_grant"],
        capture=False,
    )
    [notice] = draft_notices(session, boss, now=T0).created
    approve(session, notice, boss, at=T0)
    mark_sent(session, notice, boss, at=T0 + timedelta(hours=1))
    return notice


def test_every_path_that_changes_a_listing_reaches_the_index(
    world: Settings, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(world, migrate=False, index_sync_s=None)
    with TestClient(app) as client:
        sessions, backend = app.state.sessionmaker, app.state.search

        def drain() -> int:
            """What the API's index syncer does first on each tick: drain the outbox.

            (Its other half, the catch-up by id and ``last_seen``, is left out here: it
            re-indexes recently seen listings and would hide a change the outbox missed.)
            """
            with sessions() as s:
                return drain_outbox(s, world, backend)

        with session_scope(sessions) as s:
            reviewer = User(username="rev", password_hash="!", role=Role.reviewer)  # noqa: S106
            boss = User(username="boss", password_hash="!", role=Role.supervisor)  # noqa: S106
            demo = User(username=DEMO_REVIEWER, password_hash="!", role=Role.reviewer)  # noqa: S106
            s.add_all([reviewer, boss, demo])
            s.flush()
            token = create_api_token(s, reviewer, "test", by="test").secret
            by_api = _flagged(s, "http://shop.test/item/api", 0.9).id
            by_demo = _flagged(s, canonical_url("http://shop.test/item/demo"), 0.8).id
            notice_a = _sent_notice(s, site, "甲店", "/item/a", boss)
            ref_a, by_cli = notice_a.reference, notice_a.items[0].listing_id
            notice_b = _sent_notice(s, site, "乙店", "/item/b", boss)
            by_scheduler = notice_b.items[0].listing_id
        with sessions() as s:
            rebuild_index(s, world, backend)
        assert {by_api, by_demo} <= _indexed(backend, ListingStatus.flagged)

        # 1. the review API
        response = client.post(
            f"/api/v1/listings/{by_api}/reviews",
            json={"action": "confirm"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 201, response.text
        drain()
        assert by_api in _indexed(backend, ListingStatus.confirmed)

        # 2. the demo's simulated reviewer (no API): the index lags until the outbox drains
        with session_scope(sessions) as s:
            truth = [{"url": "http://shop.test/item/demo", "irregular": True}]
            assert simulated_review(s, truth, share=1.0) == (1, 0)
        assert by_demo in _indexed(backend, ListingStatus.flagged), "not drained yet"
        assert drain() >= 1
        assert by_demo in _indexed(backend, ListingStatus.confirmed)
        assert by_demo not in _indexed(backend, ListingStatus.flagged)

        # 3. the CLI: the platform answered that the notice's listings are removed
        result = CliRunner().invoke(
            cli, ["takedown", "close", ref_a, "--as", "boss", "--outcome", "removed"]
        )
        assert result.exit_code == 0, result.output
        drain()
        assert by_cli in _indexed(backend, ListingStatus.removed)

        # 4. a takedown re-check: the removed listing is back online
        with session_scope(sessions) as s:
            notice = s.scalar(select(TakedownNotice).where(TakedownNotice.reference == ref_a))
            assert notice is not None
            report = recheck_notice(s, notice, world)
            assert report.reappeared, report
        drain()
        assert by_cli in _indexed(backend, ListingStatus.confirmed)
        assert by_cli not in _indexed(backend, ListingStatus.removed)

        # 5. the scheduler's re-check job: the other notice's listing is gone (404)
        site.set("/item/b", 404, "页面不存在")
        monkeypatch.setattr(scheduler, "_settings", world)
        monkeypatch.setattr(scheduler, "_recheck", functools.partial(recheck_due, settings=world))
        assert [r.reference for r in scheduler.recheck_job()] == [notice_b.reference]
        drain()
        assert by_scheduler in _indexed(backend, ListingStatus.removed)

        # the index and the database agree on every listing; the outbox is empty
        with session_scope(sessions) as s:
            for listing in s.scalars(select(Listing)):
                assert listing.id in _indexed(backend, listing.status), listing.id
            assert s.scalar(select(func.count()).select_from(IndexOutbox)) == 0
        # the syncer the API runs drains the outbox too
        with session_scope(sessions) as s:
            queue_for_index(s, [by_api, by_demo])
        IndexSyncer(sessions, backend, userdict_path(world), 3600).run_once()
        with sessions() as s:
            assert s.scalar(select(func.count()).select_from(IndexOutbox)) == 0
