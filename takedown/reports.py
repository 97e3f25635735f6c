"""Monthly takedown summary per platform and region: findings, notices, removal rate, time to removal.

Definitions (one month, UTC):

- findings: listings confirmed in the month (first ``confirm`` review; a listing
  confirmed without a review row counts at its ``first_seen``);
- notices: notices sent in the month, counted under every region their listings are in;
- region: the province, the first word of the listing's region;
- sent: listings in those notices; removed: those of them gone since;
- removal rate: removed / sent; median days: from the notice's sending to each removal.
"""

from __future__ import annotations

import io
import re
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store import Listing, ListingStatus, Review, ReviewAction, TakedownNotice
from takedown.errors import TakedownError
from takedown.exporters.common import append_guarded, normalize_ooxml
from takedown.letter import html_environment

UNKNOWN_REGION = "未知"
ALL = "合计"
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
MIN_YEAR, MAX_YEAR = 2000, 2100
CONFIRMED_STATES = (ListingStatus.confirmed, ListingStatus.escalated, ListingStatus.removed)


@dataclass
class SummaryRow:
    platform: str
    region: str
    findings: int = 0
    notices: int = 0
    sent: int = 0
    removed: int = 0
    _days: list[float] = field(default_factory=list, repr=False)

    @property
    def removal_rate(self) -> float | None:
        return round(self.removed / self.sent, 4) if self.sent else None

    @property
    def median_days(self) -> float | None:
        return round(statistics.median(self._days), 2) if self._days else None

    def as_dict(self) -> dict[str, object]:
        return {
            "platform": self.platform,
            "region": self.region,
            "findings": self.findings,
            "notices": self.notices,
            "sent": self.sent,
            "removed": self.removed,
            "removal_rate": self.removal_rate,
            "median_days_to_removal": self.median_days,
        }


@dataclass
class MonthlyReport:
    month: str
    office_name: str
    rows: list[SummaryRow]
    """One row per platform and region, then one per platform (region ``合计``), then the total."""

    def as_dict(self) -> dict[str, object]:
        return {
            "month": self.month,
            "office": self.office_name,
            "rows": [r.as_dict() for r in self.rows],
        }

    def platform_totals(self) -> list[SummaryRow]:
        return [r for r in self.rows if r.region == ALL and r.platform != ALL]

    def region_totals(self) -> list[SummaryRow]:
        by_region: dict[str, int] = defaultdict(int)
        for r in self.rows:
            if r.region != ALL and r.platform != ALL:
                by_region[r.region] += r.findings
        return [
            SummaryRow(platform=ALL, region=k, findings=v) for k, v in sorted(by_region.items())
        ]


def province(region: str | None) -> str:
    """Group by the first part of a region (``浙江 杭州`` -> ``浙江``): offices report per province."""
    parts = (region or "").split()
    return parts[0] if parts else UNKNOWN_REGION


def month_bounds(month: str) -> tuple[datetime, datetime]:
    match = _MONTH.match(month)
    if not match:
        raise TakedownError(f"month must look like 2026-11, not {month!r}")
    year, mon = int(match.group(1)), int(match.group(2))
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise TakedownError(f"month {month!r}: the year must be between {MIN_YEAR} and {MAX_YEAR}")
    start = datetime(year, mon, 1, tzinfo=UTC)
    end = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=UTC)
    return start, end


def _confirmed_at(session: Session) -> dict[int, datetime]:
    first_confirm = dict(
        session.execute(
            select(Review.listing_id, func.min(Review.created_at))
            .where(Review.action == ReviewAction.confirm)
            .group_by(Review.listing_id)
        ).all()
    )
    out: dict[int, datetime] = {}
    for listing_id, first_seen in session.execute(
        select(Listing.id, Listing.first_seen).where(Listing.status.in_(CONFIRMED_STATES))
    ):
        out[listing_id] = first_seen
    for listing_id, at in first_confirm.items():
        if at is not None:
            out[listing_id] = at if at.tzinfo else at.replace(tzinfo=UTC)
    return out


def monthly_summary(session: Session, month: str, office_name: str = "") -> MonthlyReport:
    start, end = month_bounds(month)
    rows: dict[tuple[str, str], SummaryRow] = {}

    def row(platform: str, region: str) -> SummaryRow:
        return rows.setdefault((platform, region), SummaryRow(platform, region))

    confirmed = {k: v for k, v in _confirmed_at(session).items() if start <= v < end}
    if confirmed:
        for listing in session.scalars(select(Listing).where(Listing.id.in_(list(confirmed)))):
            row(listing.platform.key, province(listing.region)).findings += 1
    notices = session.scalars(
        select(TakedownNotice).where(TakedownNotice.sent_at >= start, TakedownNotice.sent_at < end)
    ).all()
    for notice in notices:
        regions: set[str] = set()
        for item in notice.items:
            region = province(item.listing.region)
            regions.add(region)
            r = row(notice.platform.key, region)
            r.sent += 1
            if item.removed_at is not None and notice.sent_at is not None:
                r.removed += 1
                r._days.append(max(0.0, (item.removed_at - notice.sent_at).total_seconds() / 86400))
        for region in regions:
            row(notice.platform.key, region).notices += 1
    detail = [rows[k] for k in sorted(rows)]
    totals: list[SummaryRow] = []
    for platform in sorted({r.platform for r in detail}):
        totals.append(
            _combine(
                platform, ALL, [r for r in detail if r.platform == platform], notices, platform
            )
        )
    grand = _combine(ALL, ALL, detail, notices, None)
    return MonthlyReport(month=month, office_name=office_name, rows=[*detail, *totals, grand])


def _combine(
    platform: str,
    region: str,
    parts: list[SummaryRow],
    notices: Sequence[TakedownNotice],
    platform_key: str | None,
) -> SummaryRow:
    out = SummaryRow(platform, region)
    for p in parts:
        out.findings += p.findings
        out.sent += p.sent
        out.removed += p.removed
        out._days.extend(p._days)
    # a notice spanning several regions is one notice in a total
    out.notices = sum(1 for n in notices if platform_key is None or n.platform.key == platform_key)
    return out


HEADERS = (
    "平台",
    "地区",
    "发现违规信息",
    "发出通知",
    "通知涉及链接",
    "已删除",
    "删除率",
    "删除用时中位数（天）",
)


def report_xlsx(report: MonthlyReport) -> bytes:
    start, _ = month_bounds(report.month)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = report.month
    append_guarded(sheet, HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for r in report.rows:  # platform and region come from crawled pages: guarded like any cell
        append_guarded(
            sheet,
            [
                r.platform,
                r.region,
                r.findings,
                r.notices,
                r.sent,
                r.removed,
                r.removal_rate,
                r.median_days,
            ],
        )
    for row in sheet.iter_rows(min_row=2, min_col=7, max_col=7):
        for cell in row:
            cell.number_format = "0.0%"
    props = workbook.properties
    props.creator = report.office_name or "Lantian"
    props.title = f"{report.month} 违规招揽信息处置月报"
    props.created = start.replace(tzinfo=None)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return normalize_ooxml(buffer.getvalue(), start)


def _bars(
    items: list[tuple[str, float, str]], width: int = 560, bar_height: int = 22
) -> dict[str, object]:
    """Geometry for a horizontal bar chart drawn as inline SVG by the template."""
    top = max((v for _, v, _ in items), default=0.0) or 1.0
    label_w = 110
    bars = [
        {
            "label": label,
            "value": text,
            "y": i * (bar_height + 8),
            "w": round((width - label_w - 70) * value / top, 1),
        }
        for i, (label, value, text) in enumerate(items)
    ]
    return {
        "width": width,
        "height": max(1, len(items)) * (bar_height + 8),
        "bar_height": bar_height,
        "label_w": label_w,
        "bars": bars,
    }


def report_charts(report: MonthlyReport) -> dict[str, dict[str, object]]:
    """Bar-chart geometry for the page and the UI: removal rate, median days, findings per region."""
    platforms = report.platform_totals()
    return {
        "rate_chart": _bars(
            [
                (r.platform, r.removal_rate or 0.0, f"{(r.removal_rate or 0) * 100:.0f}%")
                for r in platforms
            ]
        ),
        "days_chart": _bars(
            [
                (
                    r.platform,
                    r.median_days or 0.0,
                    f"{r.median_days:.1f}天" if r.median_days is not None else "—",
                )
                for r in platforms
            ]
        ),
        "findings_chart": _bars(
            [(r.region, float(r.findings), str(r.findings)) for r in report.region_totals()]
        ),
    }


def report_html(report: MonthlyReport) -> str:
    """A self-contained page (inline SVG charts and CSS, no external assets)."""
    template = html_environment().get_template("report.html.j2")
    return template.render(report=report, headers=HEADERS, **report_charts(report))
