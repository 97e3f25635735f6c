"""Re-checks over real loopback HTTP: removal signals, SSRF guard, notice status and escalation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from td_seed import T0, add_listing, add_user, sqlite_only_session
from td_server import Site, serve

from lantian.config import Settings, load_settings
from store.models import (
    AuditEntry,
    ItemStatus,
    ListingStatus,
    NoticeStatus,
    Role,
    TakedownCheck,
    TakedownNotice,
)
from takedown.fetch import Verdict, judge
from takedown.grouping import draft_notices
from takedown.platforms import RemovalSignals
from takedown.recheck import REAPPEARANCE_WATCH, due_notices, recheck_due, recheck_notice
from takedown.workflow import approve, mark_sent

SIGNALS = RemovalSignals(
    status_codes=[404, 410], text_markers=["该商品已下架"], url_markers=["noitem.htm"]
)


@pytest.fixture
def session(sqlite_url: str) -> Iterator[Session]:
    """SQLite only (see td_seed.sqlite_only_session)."""
    with sqlite_only_session(sqlite_url) as s:
        yield s


@pytest.fixture
def no_capture(settings: Settings) -> Settings:
    return settings.model_copy(update={"takedown_recheck_capture": False})


@pytest.fixture
def site() -> Site:
    with serve() as s:
        yield s


def _sent_notice(session: Session, site: Site, n: int) -> TakedownNotice:
    sup = add_user(session, "boss", Role.supervisor)
    for i in range(n):
        url = site.live(f"/item/{i}", f"专利包授权商品{i}")
        add_listing(
            session,
            "taobao",
            url,
            title=f"专利包授权商品{i}",
            text="包授权",
            shop="甲店",
            categories=["guaranteed_grant"],
        )
    [notice] = draft_notices(session, sup, now=T0).created
    approve(session, notice, sup, at=T0)
    mark_sent(session, notice, sup, at=T0 + timedelta(hours=1))
    session.commit()
    return notice


def test_judge_removal_signals() -> None:
    assert judge(404, "http://x/a", "", SIGNALS)[0] is Verdict.removed
    assert judge(200, "http://x/noitem.htm", "", SIGNALS)[0] is Verdict.removed
    assert judge(200, "http://x/a", "<p>该商品已下架</p>", SIGNALS)[0] is Verdict.removed
    assert judge(200, "http://x/a", "<p>正常商品</p>", SIGNALS)[0] is Verdict.online
    assert judge(503, "http://x/a", "", SIGNALS)[0] is Verdict.inconclusive
    assert judge(429, "http://x/a", "", SIGNALS)[0] is Verdict.inconclusive
    # a seller cannot fake removal with a hidden or inline marker next to a live listing
    assert (
        judge(200, "http://x/a", '<div style="display:none">该商品已下架</div>包授权', SIGNALS)[0]
        is Verdict.online
    )
    assert judge(200, "http://x/a", "<script>'该商品已下架'</script>", SIGNALS)[0] is Verdict.online
    assert (
        judge(200, "http://x/a", "<h1>商品A</h1>该商品已下架", SIGNALS, "商品A")[0]
        is Verdict.online
    )


def test_recheck_marks_exactly_the_removed_listings(
    session: Session, no_capture: Settings, site: Site
) -> None:
    settings = no_capture
    notice = _sent_notice(session, site, 4)
    site.set("/item/0", 404, "not here")
    site.set("/item/1", 200, "<html><body>很抱歉，该商品已下架</body></html>")
    site.set("/item/2", 302, "/noitem.htm")
    report = recheck_notice(session, notice, settings, now=T0 + timedelta(days=1))
    session.commit()
    verdicts = {c.url.rsplit("/", 1)[1]: c.verdict for c in report.checks}
    assert verdicts == {
        "0": Verdict.removed,
        "1": Verdict.removed,
        "2": Verdict.removed,
        "3": Verdict.online,
    }
    assert notice.status is NoticeStatus.partly_removed and not notice.escalation_due
    by_url = {i.listing.url.rsplit("/", 1)[1]: i for i in notice.items}
    assert by_url["3"].status is ItemStatus.online and by_url["3"].listing.online
    for key in "012":
        item = by_url[key]
        assert item.status is ItemStatus.removed and item.removed_at is not None
        assert not item.listing.online and item.listing.status is ListingStatus.removed
    checks = session.scalars(select(TakedownCheck)).all()
    assert sorted(c.online for c in checks) == [False, False, False, True]

    # past the deadline with one listing online: flagged, and the audit log says so
    late = notice.deadline + timedelta(days=1)
    [again] = recheck_due(session, settings, now=late)
    assert again.escalation_due and notice.escalation_due
    # removed listings are fetched again too (watched for reappearance); only one is online
    assert sorted(c.verdict.value for c in again.checks) == [
        "online",
        "removed",
        "removed",
        "removed",
    ]
    actions = session.scalars(
        select(AuditEntry.action).where(AuditEntry.object_type == "takedown_notice")
    ).all()
    assert "takedown.escalation_due" in actions and "takedown.partly_removed" in actions

    site.set("/item/3", 410, "gone")
    [last] = recheck_due(session, settings, now=late + timedelta(days=1))
    assert last.status == "removed" and not notice.escalation_due and notice.closed_at is not None
    assert notice.closed_at is not None
    watched_until = notice.closed_at + REAPPEARANCE_WATCH
    assert due_notices(session, settings, watched_until) == [notice]
    assert due_notices(session, settings, watched_until + timedelta(days=1)) == []


def test_recheck_refuses_private_addresses_unless_allowed(
    session: Session, site: Site, tmp_path
) -> None:
    notice = _sent_notice(session, site, 1)
    site.set("/item/0", 404, "gone")
    strict = load_settings(
        data_dir=tmp_path, allow_private_networks=False, takedown_recheck_capture=False
    )
    report = recheck_notice(session, notice, strict, now=T0 + timedelta(days=1))
    [check] = report.checks
    assert check.verdict is Verdict.inconclusive and "non-public address 127.0.0.1" in check.detail
    assert notice.status is NoticeStatus.sent and notice.items[0].status is ItemStatus.pending


def test_unresolvable_host_is_inconclusive(session: Session, site: Site, tmp_path) -> None:
    notice = _sent_notice(session, site, 1)
    notice.items[0].listing.url = "http://example.invalid/x"
    session.flush()
    strict = load_settings(data_dir=tmp_path, allow_private_networks=False)
    [check] = recheck_notice(session, notice, strict).checks
    assert check.verdict is Verdict.inconclusive and "refused" in check.detail


def test_gbk_removal_page_is_understood(session: Session, settings: Settings, site: Site) -> None:
    notice = _sent_notice(session, site, 1)
    site.set("/item/0", 200, "<html><body>该商品已下架</body></html>", "text/html; charset=gbk")
    [check] = recheck_notice(session, notice, settings).checks
    assert check.verdict is Verdict.removed


def test_only_open_notices_are_rechecked(session: Session, settings: Settings, site: Site) -> None:
    sup = add_user(session, "boss", Role.supervisor)
    add_listing(
        session,
        "jd",
        site.live("/j", "x"),
        title="x",
        text="y",
        shop="乙店",
        categories=["guaranteed_grant"],
    )
    [notice] = draft_notices(session, sup).created
    with pytest.raises(ValueError, match="only sent"):
        recheck_notice(session, notice, settings)


def test_recheck_survives_a_browser_that_will_not_start(
    session: Session, settings: Settings, site: Site
) -> None:
    notice = _sent_notice(session, site, 2)
    site.set("/item/0", 404, "gone")
    broken = settings.model_copy(update={"chromium_path": "/nonexistent/chromium"})
    [report] = recheck_due(session, broken, now=T0 + timedelta(days=1))
    assert [c.verdict for c in report.checks] == [Verdict.removed, Verdict.online]
    assert all("capture failed" in c.detail and c.capture_uid is None for c in report.checks)
    assert notice.status is NoticeStatus.partly_removed


def test_dns_rebinding_cannot_switch_a_recheck_to_a_private_address(
    session: Session,
    site: Site,
    tmp_path,
    monkeypatch: pytest.MonkeyPatch,
    connection_counter,
) -> None:
    """The name answers public to the first lookup and loopback after: nothing reaches loopback."""
    import socket

    port = connection_counter.port
    real = socket.getaddrinfo
    answers: list[str] = []

    def rebinding(host: str, *args: object, **kwargs: object) -> list[tuple[object, ...]]:
        if host != "rebind.example":
            return real(host, *args, **kwargs)  # type: ignore[arg-type]
        answers.append("93.184.216.34" if not answers else "127.0.0.1")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[-1], port))]

    notice = _sent_notice(session, site, 1)
    notice.items[0].listing.url = f"http://rebind.example:{port}/item/0"
    session.flush()
    strict = load_settings(
        data_dir=tmp_path,
        allow_private_networks=False,
        takedown_recheck_capture=False,
        takedown_recheck_timeout_s=1.0,
    )
    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    try:
        [check] = recheck_notice(session, notice, strict, now=T0 + timedelta(days=1)).checks
    finally:
        monkeypatch.undo()
    assert answers[0] == "93.184.216.34" and len(answers) >= 2
    assert connection_counter.accepted == 0
    assert check.verdict is Verdict.inconclusive
    assert "non-public address 127.0.0.1" in check.detail
