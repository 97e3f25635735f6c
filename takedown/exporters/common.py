"""What every exporter shares: the bulk-sheet columns, the formula guard and the one guarded
row writer for XLSX and CSV (notice exports and the monthly report alike), reproducible zips."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime

from openpyxl.worksheet.worksheet import Worksheet

from takedown.document import NoticeDocument, NoticeItemDoc

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")

SHEET_COLUMNS: tuple[str, ...] = (
    "通知编号",
    "序号",
    "平台",
    "店铺/账号",
    "经营者",
    "链接",
    "标题",
    "内容摘要",
    "违规类型",
    "违规类型代码",
    "法律依据",
    "取证编号",
    "取证清单SHA-256",
    "截图SHA-256",
    "取证时间(UTC)",
    "请求措施",
    "处理期限",
    "投诉机关",
    "联系方式",
    "地区",
)


def guard_cell(value: object) -> object:
    """Neutralise spreadsheet formula injection (OWASP CSV injection).

    A text cell whose first character, or first character after leading
    whitespace, could start a formula (``= + - @``) or that starts with a tab,
    CR or LF gets a leading apostrophe, which Excel and LibreOffice show as text.
    """
    if not isinstance(value, str) or not value:
        return value
    if value[0] in FORMULA_TRIGGERS or value.lstrip()[:1] in FORMULA_TRIGGERS:
        return "'" + value
    return value


def append_guarded(sheet: Worksheet, values: Sequence[object]) -> None:
    """Append one row to an openpyxl sheet, every text cell guarded and typed as text.

    openpyxl stores a string starting with ``=`` as a formula; :func:`guard_cell`
    prefixes it, and the explicit text type keeps it from ever being read as one.
    Every XLSX the product writes appends its rows through here.
    """
    sheet.append([guard_cell(value) for value in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def guarded_csv(header: Sequence[object], rows: Iterable[Sequence[object]]) -> bytes:
    """CSV (UTF-8 with BOM, for Excel) with every cell guarded; every CSV the product writes."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([guard_cell(value) for value in header])
    for row in rows:
        writer.writerow([guard_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def utc_text(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _join(values: Sequence[str]) -> str:
    return "\n".join(values)


def item_row(doc: NoticeDocument, item: NoticeItemDoc) -> list[str | int]:
    """One bulk-portal row; multi-valued cells hold one value per line."""
    return [
        doc.reference,
        item.no,
        doc.platform_name,
        item.shop or doc.shop,
        item.seller,
        item.url,
        item.title,
        item.offers,
        _join([c.name for c in item.categories]),
        _join([c.key for c in item.categories]),
        _join(item.legal_basis),
        _join([e.capture_uid for e in item.evidence]),
        _join([e.manifest_sha256 for e in item.evidence]),
        _join([e.screenshot_sha256 or "" for e in item.evidence]),
        _join([utc_text(e.captured_at) for e in item.evidence]),
        "；".join(doc.actions),
        doc.deadline.isoformat() if doc.deadline else "",
        doc.office_name,
        doc.office_contact,
        item.region,
    ]


def sheet_rows(docs: Sequence[NoticeDocument]) -> list[list[str | int]]:
    return [item_row(doc, item) for doc in docs for item in doc.items]


def fixed_moment(docs: Sequence[NoticeDocument]) -> datetime:
    """The timestamp written into file metadata: the latest issue date, never the clock."""
    issued = max((d.issued for d in docs), default=date(2000, 1, 1))
    return datetime(issued.year, issued.month, issued.day, tzinfo=UTC)


_CORE_DATES = re.compile(
    rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:(?:created|modified)>)"
)


def normalize_ooxml(data: bytes, when: datetime) -> bytes:
    """Rewrite an Office Open XML zip so that it depends on content only.

    Every entry gets the same timestamp and permissions, and the
    ``docProps/core.xml`` created/modified dates become ``when``.
    """
    stamp = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    zip_time = (max(when.year, 1980), when.month, when.day, 0, 0, 0)
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = _CORE_DATES.sub(lambda m: m.group(1) + stamp + m.group(3), body)
            entry = zipfile.ZipInfo(info.filename, date_time=zip_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            entry.create_system = 0
            target.writestr(entry, body)
    return buffer.getvalue()
