"""The closed loop on the sandbox internet: confirmed findings -> approved notices exported in every
format -> the sandbox takes some listings down through its admin endpoint -> the re-check marks exactly
those removed and the rest online (with new captures in the browser test)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from td_seed import CATALOG, T0, add_user

from evidence.package import verify_package
from lantian.config import Settings
from store.db import make_engine, make_sessionmaker, upgrade
from store.listings import Observation, get_or_create_platform, record_observation
from store.models import (
    EvidenceCapture,
    ItemStatus,
    Listing,
    ListingStatus,
    NoticeStatus,
    Role,
    SourceKind,
    TakedownCheck,
    TakedownNotice,
)
from takedown.capture import BrowserRecapturer, store_capture
from takedown.casefile import export_case_package
from takedown.document import build_document
from takedown.export import export_notices, write_files
from takedown.grouping import draft_notices
from takedown.platforms import ExportFormat
from takedown.recheck import recheck_due
from takedown.workflow import approve, mark_sent

ADMIN = {"X-Sandbox-Token": "sandbox-admin"}


def _pick(
    truth: list[dict[str, Any]], platform: str, kind: str, n: int, shops: int = 0
) -> list[dict[str, Any]]:
    """Irregular, fault-free pages; for the marketplace, ``n`` items spread over ``shops`` shops."""
    pages = [
        r
        for r in truth
        if r["platform"] == platform
        and r["kind"] == kind
        and r["irregular"]
        and r["fault"] is None
        and not r["robots_disallowed"]
    ]
    if not shops:
        return pages[:n]
    by_shop: dict[str, list[dict[str, Any]]] = {}
    for page in pages:
        by_shop.setdefault(page["fields"]["shop"], []).append(page)
    per_shop = n // shops
    full = [group for group in by_shop.values() if len(group) >= per_shop]
    chosen = [p for group in full[:shops] for p in group[:per_shop]]
    return chosen[:n]


def _seed(session: Session, pages: list[dict[str, Any]]) -> list[Listing]:
    listings = []
    for page in pages:
        kind = (
            SourceKind.marketplace if page["platform_kind"] == "marketplace" else SourceKind.forum
        )
        get_or_create_platform(session, page["platform"], kind=kind)
        fields = page["fields"]
        rec = record_observation(
            session,
            Observation(
                platform_key=page["platform"],
                canonical_url=page["url"],
                url=page["url"],
                title=fields["title"],
                text=page["text"],
                shop=fields.get("shop") or fields.get("board"),
                seller=fields.get("seller") or fields.get("author"),
                region=(fields.get("region") or "").split(" ")[0] or None,
                fields={"price": fields.get("price")},
                fetched_at=T0,
            ),
        )
        rec.listing.status = ListingStatus.confirmed
        rec.listing.categories = page["categories"]
        listings.append(rec.listing)
    session.flush()
    return listings


@pytest.fixture
def taken_down(sandbox: Any) -> Iterator[list[str]]:
    """URLs this test took down; restored afterwards (the sandbox is shared)."""
    urls: list[str] = []
    yield urls
    for url in urls:
        sandbox.restore(url)


def _take_down(sandbox: Any, url: str, taken: list[str]) -> None:
    base = url.split("/", 3)
    admin = f"{base[0]}//{base[2]}/_admin/takedown"
    assert (
        httpx.post(admin, json={"url": url}).status_code == 403
    )  # the admin endpoint wants its token
    r = httpx.post(admin, json={"url": url}, headers=ADMIN)
    assert r.status_code == 200 and r.json()["removed"] is True, r.text
    taken.append(url)


def _sent(session: Session, pages: list[dict[str, Any]]) -> list[TakedownNotice]:
    sup = add_user(session, "sup", Role.supervisor)
    _seed(session, pages)
    notices = draft_notices(session, sup, now=T0).created
    for n in notices:
        approve(session, n, sup, at=T0)
    return notices


def test_closed_loop_on_sandbox(
    session: Session, settings: Settings, sandbox: Any, taken_down: list[str], tmp_path: Path
) -> None:
    truth = sandbox.truth()
    items = _pick(truth, "taobaobei", "listing", 6, shops=2)
    threads = _pick(truth, "zhiquanba", "thread", 2)
    assert len(items) == 6 and len(threads) == 2
    notices = _sent(session, items + threads)
    assert {n.platform.key for n in notices} == {"taobaobei", "zhiquanba"}
    assert sorted(len(n.items) for n in notices if n.platform.key == "taobaobei") == [3, 3]

    out = tmp_path / "exports"
    for fmt in ExportFormat:
        files = export_notices(
            session,
            notices,
            fmt,
            office_name="沙盒省知识产权局",
            office_contact="010-0",
            catalog=CATALOG,
        )
        write_files(files, out)
        again = export_notices(
            session,
            notices,
            fmt,
            office_name="沙盒省知识产权局",
            office_contact="010-0",
            catalog=CATALOG,
        )
        assert [f.content for f in files] == [f.content for f in again]
    bulk = json.loads(next(out.glob("*.json")).read_text(encoding="utf-8"))
    assert sorted(i["url"] for n in bulk["notices"] for i in n["items"]) == sorted(
        p["url"] for p in items + threads
    )
    channels = {n["platform_key"]: n["channel_key"] for n in bulk["notices"]}
    assert channels == {"taobaobei": "alibaba_ipp", "zhiquanba": "baidu"}

    for n in notices:
        mark_sent(session, n, "sup", at=T0 + timedelta(hours=2))
    session.commit()

    # take down both removal styles on the marketplace (notice page and 404) and one forum thread
    notice_style = next((p for p in items if p["removed_style"] == "notice"), items[0])
    status_style = next(
        (p for p in items if p["removed_style"] == "404" and p is not notice_style), items[-1]
    )
    gone = {notice_style["url"], status_style["url"], threads[0]["url"]}
    for url in sorted(gone):
        _take_down(sandbox, url, taken_down)

    no_capture = settings.model_copy(update={"takedown_recheck_capture": False})
    reports = recheck_due(session, no_capture, now=T0 + timedelta(days=1))
    session.commit()
    assert len(reports) == len(notices)
    verdicts = {c.url: c.verdict.value for r in reports for c in r.checks}
    assert verdicts == {
        p["url"]: ("removed" if p["url"] in gone else "online") for p in items + threads
    }
    for listing in session.scalars(select(Listing)):
        assert listing.online is (listing.url not in gone), listing.url
        assert (listing.status is ListingStatus.removed) == (listing.url in gone), listing.url
    for notice in notices:
        removed = sum(1 for i in notice.items if i.listing.url in gone)
        expected = (
            NoticeStatus.sent
            if removed == 0
            else NoticeStatus.removed
            if removed == len(notice.items)
            else NoticeStatus.partly_removed
        )
        assert notice.status is expected, (notice.reference, notice.shop, notice.status)
    assert session.scalar(select(TakedownCheck).where(TakedownCheck.online.is_(False))) is not None
    assert len(session.scalars(select(TakedownCheck)).all()) == 8


@pytest.fixture
def sqlite_session(sqlite_url: str) -> Iterator[Session]:
    """The browser test runs on SQLite only: the database side is covered on both by the loop test."""
    engine = make_engine(sqlite_url)
    upgrade(engine)
    with make_sessionmaker(engine)() as s:
        yield s
    engine.dispose()


@pytest.mark.browser
def test_recheck_captures_new_evidence_on_sandbox(
    sqlite_session: Session, settings: Settings, sandbox: Any, taken_down: list[str], tmp_path: Path
) -> None:
    session = sqlite_session
    if not settings.chromium_path:
        pytest.skip("no Chromium found (settings.chromium_path); re-check captures need a browser")
    truth = sandbox.truth()
    pages = [
        p
        for p in _pick(truth, "taobaobei", "listing", 12)
        if p["fields"]["shop"] == _pick(truth, "taobaobei", "listing", 1)[0]["fields"]["shop"]
    ][:2]
    assert len(pages) == 2
    sup = add_user(session, "sup", Role.supervisor)
    listings = _seed(session, pages)
    recapturer = BrowserRecapturer(
        settings
    )  # one browser for the findings' captures and the re-check
    try:
        for (
            listing
        ) in listings:  # the finding's own evidence, as the crawler would have captured it
            store_capture(
                session,
                listing.id,
                recapturer.capture(listing.url, listing.canonical_url, "flagged"),
                "flagged",
            )
        [notice] = draft_notices(session, sup, now=T0).created
        approve(session, notice, sup, at=T0)
        doc = build_document(session, notice, office_name="局", office_contact="", catalog=CATALOG)
        assert all(len(item.evidence) == 1 for item in doc.items)
        package = export_case_package(settings, doc, tmp_path)
        assert package is not None and len(package.captures) == 2
        assert verify_package(package.path).ok
        mark_sent(session, notice, "sup", at=T0)
        session.commit()
        _take_down(sandbox, pages[0]["url"], taken_down)
        [report] = recheck_due(session, settings, now=T0 + timedelta(days=1), recapturer=recapturer)
        session.commit()
    finally:
        recapturer.close()
    by_url = {c.url: c for c in report.checks}
    assert by_url[pages[0]["url"]].verdict.value == "removed"
    assert by_url[pages[1]["url"]].verdict.value == "online"
    assert all(c.capture_uid for c in report.checks), [c.detail for c in report.checks]
    captures = session.scalars(
        select(EvidenceCapture).where(EvidenceCapture.reason == "recheck")
    ).all()
    assert len(captures) == 2 and all(
        len(c.manifest_sha256) == 64 and c.screenshot_sha256 for c in captures
    )
    checks = session.scalars(select(TakedownCheck)).all()
    assert {c.capture_id for c in checks} == {c.id for c in captures}
    manifests = settings.resolved_evidence_dir / "manifests"
    assert {c.capture_uid for c in captures} <= {p.stem for p in manifests.glob("*.json")}
    assert notice.status is NoticeStatus.partly_removed
    assert [i.status for i in sorted(notice.items, key=lambda i: i.listing.url)].count(
        ItemStatus.removed
    ) == 1
