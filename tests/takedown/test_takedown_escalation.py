"""Working-day deadlines across a public holiday, escalation letters, reappearance, shop closure."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from docx import Document
from sqlalchemy import select
from sqlalchemy.orm import Session
from td_seed import add_listing, add_user, sqlite_only_session
from td_server import Site, serve

from lantian.config import Settings
from store.models import AuditEntry, ItemStatus, ListingStatus, NoticeStatus, Role, TakedownNotice
from takedown.categories import default_catalog
from takedown.document import build_document
from takedown.errors import TakedownError
from takedown.escalation import escalation_files
from takedown.export import export_documents
from takedown.grouping import draft_notices
from takedown.platforms import ExportFormat
from takedown.recheck import recheck_notice
from takedown.workdays import add_working_days, deadline_after
from takedown.workflow import approve, mark_sent

# Monday 28 September 2026, 10:00 in Beijing: the National Day holiday (1-7 October) follows
APPROVED = datetime(2026, 9, 28, 2, 0, tzinfo=UTC)


@pytest.fixture
def session(sqlite_url: str) -> Iterator[Session]:
    with sqlite_only_session(sqlite_url) as s:
        yield s


@pytest.fixture
def site() -> Iterator[Site]:
    with serve() as s:
        yield s


def test_working_days_skip_the_national_day_holiday_and_count_the_makeup_saturday() -> None:
    count = add_working_days(date(2026, 9, 28), 5)
    # 29, 30 Sep; 1-7 Oct off (8 Oct is a working day), 10 Oct a make-up Saturday
    assert count.day == date(2026, 10, 10) and not count.estimated
    assert date(2026, 10, 1) in count.skipped and date(2026, 10, 5) in count.skipped
    # seven calendar days would have ended on 5 October, in the middle of the holiday
    end, _ = deadline_after(APPROVED, 7)
    assert end == datetime(2026, 10, 13, 15, 59, 59, tzinfo=UTC)  # 23:59:59 Beijing
    # a year the calendar does not cover yet is counted Monday to Friday and says so
    assert add_working_days(date(2027, 3, 1), 5).estimated


def _notice(session: Session, site: Site, n: int, shop: str = "快通知识产权") -> TakedownNotice:
    sup = add_user(session, "boss", Role.supervisor)
    for i in range(n):
        add_listing(session, "taobao", site.live(f"/item/{i}", f"专利包授权{i}"),
                    title=f"专利包授权{i}", text="包授权 不过退款", shop=shop,
                    categories=["guaranteed_grant"], seen=APPROVED - timedelta(days=3))  # fmt: skip
    [notice] = draft_notices(session, sup, now=APPROVED).created
    approve(session, notice, sup, at=APPROVED)
    mark_sent(session, notice, sup, at=APPROVED + timedelta(hours=1))
    session.commit()
    return notice


def test_a_notice_past_its_working_day_deadline_yields_an_escalation_letter(
    session: Session, site: Site, settings: Settings
) -> None:
    settings = settings.model_copy(update={"takedown_recheck_capture": False})
    notice = _notice(session, site, 2)
    assert notice.deadline == datetime(2026, 10, 13, 15, 59, 59, tzinfo=UTC)
    site.set("/item/0", 404, "gone")
    # 9 October is past seven calendar days but within seven working days: not overdue yet
    report = recheck_notice(session, notice, settings, now=datetime(2026, 10, 9, 2, tzinfo=UTC))
    assert notice.status is NoticeStatus.partly_removed and not report.escalation_due
    with pytest.raises(TakedownError, match="not overdue"):
        escalation_files(session, notice, [ExportFormat.txt], office_name="浙江省知识产权局",
                         office_contact="", now=datetime(2026, 10, 9, 2, tzinfo=UTC), by="boss")  # fmt: skip
    late = datetime(2026, 10, 14, 2, tzinfo=UTC)
    report = recheck_notice(session, notice, settings, now=late)
    assert report.escalation_due and notice.escalation_due
    files = escalation_files(
        session, notice, [ExportFormat.docx, ExportFormat.txt], office_name="浙江省知识产权局",
        office_contact="0571-00000000", now=late, by="boss", catalog=default_catalog(),
    )  # fmt: skip
    assert [f.name for f in files] == [f"{notice.reference}-escalation.docx",
                                       f"{notice.reference}-escalation.txt"]  # fmt: skip
    text = files[1].content.decode("utf-8")
    assert "关于督促处置" in text and "2026年10月13日前处理" in text
    assert "已扣除法定节假日" in text and "请贵平台于2026年10月19日前处理完毕" in text
    assert "专利包授权1" in text and "专利包授权0" not in text  # only what is still online
    docx = Document(io.BytesIO(files[0].content))
    assert "关于督促处置违规招揽专利、商标代理业务信息的函" in docx.paragraphs[0].text
    assert notice.escalated_at == late
    assert session.scalars(
        select(AuditEntry.action).where(AuditEntry.action == "takedown.escalate")
    ).all()


def test_a_removed_listing_that_comes_back_reopens_its_notice_and_alerts(
    session: Session, site: Site, settings: Settings
) -> None:
    hook = site.base + "/hook"
    settings = settings.model_copy(
        update={"takedown_recheck_capture": False, "alert_webhook_urls": [hook]}
    )
    notice = _notice(session, site, 1)
    site.set("/item/0", 404, "gone")
    recheck_notice(session, notice, settings, now=datetime(2026, 10, 9, 2, tzinfo=UTC))
    assert notice.status is NoticeStatus.removed and notice.closed_at is not None
    listing = notice.items[0].listing
    assert listing.status is ListingStatus.removed and not listing.online
    site.live("/item/0", "专利包授权0")  # back online
    back = datetime(2026, 10, 20, 2, tzinfo=UTC)
    report = recheck_notice(session, notice, settings, now=back)
    assert report.reappeared == [listing.id]
    assert notice.status is NoticeStatus.partly_removed and notice.reopened_at == back
    assert notice.closed_at is None and notice.items[0].status is ItemStatus.online
    assert listing.online and listing.status is ListingStatus.confirmed and listing.removed_at
    # past the original deadline and online again: due for escalation
    assert notice.escalation_due
    [(path, body)] = site.posts
    payload = json.loads(body)
    assert path == "/hook" and payload["event"] == "takedown.reappeared"
    assert payload["listings"] == [listing.id] and payload["notice"] == notice.reference
    actions = session.scalars(select(AuditEntry.action)).all()
    assert "takedown.reappeared" in actions


def test_repeated_findings_ask_to_close_the_shop(session: Session, site: Site) -> None:
    sup = add_user(session, "boss", Role.supervisor)
    for i in range(3):
        add_listing(session, "taobao", site.live(f"/a/{i}", f"包授权{i}"), title=f"包授权{i}",
                    text="包授权", shop="屡犯店", categories=["guaranteed_grant"])  # fmt: skip
    add_listing(session, "taobao", site.live("/b/0", "保过"), title="保过", text="保过",
                shop="初犯店", categories=["guaranteed_grant"])  # fmt: skip
    created = draft_notices(session, sup, now=APPROVED, close_shop_threshold=3).created
    by_shop = {n.shop: n for n in created}
    assert by_shop["屡犯店"].close_shop and not by_shop["初犯店"].close_shop
    texts = {}
    for shop, notice in by_shop.items():
        doc = build_document(session, notice, office_name="浙江省知识产权局", office_contact="",
                             catalog=default_catalog())  # fmt: skip
        [f] = export_documents([doc], ExportFormat.txt)
        texts[shop] = f.content.decode("utf-8")
    assert "已有3条违规招揽代理业务信息经确认" in texts["屡犯店"]
    assert "对屡次违规的店铺或账号采取关闭、封禁措施" in texts["屡犯店"]
    assert "关闭、封禁" not in texts["初犯店"] and "关闭或封禁" not in texts["初犯店"]


def test_the_recheck_tracks_a_shop_asked_to_close(
    session: Session, site: Site, settings: Settings
) -> None:
    settings = settings.model_copy(update={"takedown_recheck_capture": False})
    sup = add_user(session, "boss", Role.supervisor)
    for i in range(3):
        add_listing(session, "taobao", site.live(f"/a/{i}", f"包授权{i}"), title=f"包授权{i}",
                    text="包授权", shop="屡犯店", categories=["guaranteed_grant"])  # fmt: skip
    [notice] = draft_notices(session, sup, now=APPROVED).created
    approve(session, notice, sup, at=APPROVED)
    mark_sent(session, notice, sup, at=APPROVED)
    for i in range(3):
        site.set(f"/a/{i}", 404, "gone")
    # the shop lists a new offer after the notice (found by a later crawl, not in the notice)
    fresh = add_listing(session, "taobao", site.live("/a/9", "新链接"), title="新链接", text="包授权",
                        shop="屡犯店", categories=["guaranteed_grant"], seen=APPROVED + timedelta(days=2))  # fmt: skip
    report = recheck_notice(session, notice, settings, now=APPROVED + timedelta(days=3))
    assert report.count(report.checks[0].verdict) == 3 and notice.status is NoticeStatus.removed
    assert report.shop_online == [fresh.id]
    [entry] = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "takedown.shop_check")
    ).all()
    assert entry.detail["shop_online"] == [fresh.id]
