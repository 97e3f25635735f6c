"""Bulk-portal sheets: CSV (UTF-8 with BOM, for Excel) and XLSX, every text cell formula-guarded."""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from takedown.document import NoticeDocument
from takedown.exporters.common import (
    SHEET_COLUMNS,
    append_guarded,
    fixed_moment,
    guarded_csv,
    normalize_ooxml,
    sheet_rows,
)

_WIDTHS = {
    "链接": 48,
    "标题": 36,
    "内容摘要": 48,
    "法律依据": 48,
    "取证清单SHA-256": 30,
    "截图SHA-256": 30,
}


def to_csv(docs: Sequence[NoticeDocument]) -> bytes:
    return guarded_csv(SHEET_COLUMNS, sheet_rows(docs))


def to_xlsx(docs: Sequence[NoticeDocument]) -> bytes:
    when = fixed_moment(docs).replace(tzinfo=None)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "投诉清单"
    sheet.append(list(SHEET_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in sheet_rows(docs):
        append_guarded(sheet, row)
    for row_cells in sheet.iter_rows(min_row=2):
        for cell in row_cells:
            if isinstance(cell.value, str):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    for index, name in enumerate(SHEET_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = _WIDTHS.get(name, 16)
    sheet.freeze_panes = "A2"
    props = workbook.properties
    props.creator = docs[0].office_name if docs else "Lantian"
    props.lastModifiedBy = props.creator
    props.title = "违规招揽代理业务信息投诉清单"
    props.created = when
    props.modified = when
    buffer = io.BytesIO()
    workbook.save(buffer)
    return normalize_ooxml(buffer.getvalue(), fixed_moment(docs))
