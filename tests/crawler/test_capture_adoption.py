"""A crawl killed between signing a capture and committing its row loses and doubles nothing.

The vault records a capture (artifacts, signed manifest, ledger entry) before the
store stage commits the row; a SIGKILL in between leaves exactly the state built
here: a signed, chained capture the database does not know.  ``evidence verify``
names it; ``lantian evidence adopt`` (or the next crawl, before its first capture)
gives it its row when its listing is stored, and the next crawl that stores a listing
whose capture was left behind uses that capture instead of taking a second one.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

import crawler.pipelines.capture as capture_stage
from classifiers import load_default_classifier
from crawler.pipelines.capture import CapturePipeline
from crawler.pipelines.store import store_item
from evidence.clock import clock_info
from evidence.result import Artifact, CaptureResult
from evidence.vault import EvidenceVault, StoredCapture
from lantian.cli import app as cli
from lantian.config import Settings
from spiders.items import ListingItem
from store.db import engine_scope, make_sessionmaker, session_scope
from store.models import EvidenceCapture, Listing

URL = "https://shop.example.cn/item/7"
TEXT = "专利包授权，不成功全额退款，代写代办一条龙"


def _result(url: str) -> CaptureResult:
    when = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    html = f'<!doctype html><meta charset="utf-8"><p>{TEXT}</p>'.encode()
    return CaptureResult(
        url=url,
        final_url=url,
        http_status=200,
        server_ip="203.0.113.7",
        server_port=443,
        redirects=(),
        started_at=when,
        captured_at=when + timedelta(seconds=2),
        clock=clock_info(),
        environment={"tool": "lantian", "browser": "none (synthetic)", "fresh_profile": True},
        artifacts=(
            Artifact("dom", html, "text/html; charset=utf-8"),
            Artifact("headers", json.dumps({"url": url}).encode(), "application/json"),
        ),
    )


def _item(url: str = URL) -> ListingItem:
    item = ListingItem(
        platform="zhiquanba",
        kind="forum",
        page_kind="thread",
        url=url,
        canonical_url=url,
        title="代理服务",
        text=TEXT,
    )
    item.verdict = load_default_classifier().classify(item.text, item.title)
    assert item.flagged
    return item


@pytest.fixture
def db(settings: Settings) -> Iterator[Session]:
    with (
        engine_scope(settings.resolved_database_url, migrate=True) as engine,
        session_scope(make_sessionmaker(engine)) as s,
    ):
        yield s


def _vault(settings: Settings) -> EvidenceVault:
    return EvidenceVault(settings.resolved_evidence_dir, settings.resolved_key_dir, "test")


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def _captures(settings: Settings) -> list[tuple[str, int]]:
    with (
        engine_scope(settings.resolved_database_url) as engine,
        session_scope(make_sessionmaker(engine)) as s,
    ):
        return [
            (uid, listing_id)
            for uid, listing_id in s.execute(
                select(EvidenceCapture.capture_uid, EvidenceCapture.listing_id)
            )
        ]


def test_a_capture_signed_before_the_kill_is_adopted_once(settings: Settings, db: Session) -> None:
    # the store stage committed the listing (from an earlier page version), then the kill
    store_item(db, _item(), run_id=None, campaign_id=None)
    db.commit()
    left = _vault(settings).record(_result(URL), URL, "run-999")

    code, output = _cli("evidence", "verify")
    assert code == 1 and left.capture_uid in output and "orphan" in output  # reported

    code, output = _cli("evidence", "adopt", "--json")
    assert code == 0, output
    assert json.loads(output[: output.rindex("}") + 1])["adopted"] == [left.capture_uid]
    listing_id = db.scalar(select(Listing.id).where(Listing.canonical_url == URL))
    assert _captures(settings) == [(left.capture_uid, listing_id)]
    assert _cli("evidence", "verify")[0] == 0  # intact: ledger, files and rows agree

    code, output = _cli("evidence", "adopt")  # again: nothing doubled
    assert code == 0 and "0 adopted" in output
    assert len(_captures(settings)) == 1


def test_the_next_crawl_stores_the_listing_with_the_capture_left_behind(
    settings: Settings, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # killed before the listing's row was committed: the capture has nothing to belong to
    left = _vault(settings).record(_result(URL), URL, "run-5")
    assert db.scalar(select(func.count()).select_from(Listing)) == 0
    code, output = _cli("evidence", "adopt")
    assert code == 1 and "waiting" in output and left.capture_uid in output
    assert _cli("evidence", "verify")[0] == 1  # still named until a crawl stores it

    # the next crawl: its capture stage adopts before its first capture...
    monkeypatch.setattr(capture_stage, "_adoption", capture_stage._Adoption())
    stage = CapturePipeline(
        _vault(settings),
        chromium_path="/nonexistent/chromium",  # a new capture would fail: none is taken
        allow_private=False,
        database_url=settings.resolved_database_url,
    )

    async def crawl_again() -> ListingItem:
        await stage.open_spider()
        done: ListingItem = await stage.process_item(_item())
        await stage.close_spider()
        return done

    first = asyncio.run(crawl_again())
    assert isinstance(first.capture, StoredCapture)
    assert first.capture.capture_uid == left.capture_uid
    assert first.capture.ledger_entry_hash == left.ledger_entry_hash
    assert capture_stage._adoption.pending == {}  # used once; another page is captured anew
    assert stage._warm is None  # no browser was started for the adopted capture

    # ...and the store stage writes the listing with it
    store_item(db, first, run_id=None, campaign_id=None)
    db.commit()
    assert [uid for uid, _ in _captures(settings)] == [left.capture_uid]
    assert _cli("evidence", "verify")[0] == 0
    assert _cli("evidence", "adopt")[0] == 0
    assert len(_captures(settings)) == 1
