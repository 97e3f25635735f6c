"""Exports: every format renders the notice, guards formulas, and re-exports byte-identically."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy.orm import Session
from td_seed import CATALOG, T0, Seeded, sqlite_only_session

from store.models import TakedownNotice
from takedown.errors import ExportError
from takedown.export import export_notices, parse_format
from takedown.grouping import draft_notices
from takedown.platforms import ExportFormat
from takedown.workflow import approve


@pytest.fixture
def session(sqlite_url: str) -> Iterator[Session]:
    """SQLite only (see td_seed.sqlite_only_session)."""
    with sqlite_only_session(sqlite_url) as s:
        yield s


OFFICE = "浙江省知识产权局"
CONTACT = "执法处 0571-00000000"


@pytest.fixture
def notices(session: Session, seeded: Seeded) -> list[TakedownNotice]:
    result = draft_notices(session, seeded.reviewer, now=T0)
    for notice in result.created:
        approve(session, notice, seeded.supervisor, at=T0)
    session.commit()
    return result.created


def _export(session: Session, notices: list[TakedownNotice], fmt: str) -> list:
    return export_notices(
        session, notices, fmt, office_name=OFFICE, office_contact=CONTACT, catalog=CATALOG
    )


def _taobao(notices: list[TakedownNotice]) -> TakedownNotice:
    return next(n for n in notices if n.platform.key == "taobao" and n.shop == "快通知识产权")


def test_every_format_is_reproducible(session: Session, notices: list[TakedownNotice]) -> None:
    for fmt in ExportFormat:
        first = _export(session, notices, fmt.value)
        second = _export(session, notices, fmt.value)
        assert [f.content for f in first] == [f.content for f in second], fmt
        assert all(f.content for f in first)


def test_csv_and_xlsx_guard_formula_cells(session: Session, notices: list[TakedownNotice]) -> None:
    [csv_file] = _export(session, notices, "csv")
    assert csv_file.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(csv_file.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert len(body) == 4
    cells = [cell for row in body for cell in row]
    for cell in cells:
        stripped = cell.lstrip()
        assert not (stripped[:1] in ("=", "+", "-", "@") or cell[:1] in ("\t", "\r")), cell
    titles = {row[header.index("标题")] for row in body}
    assert '\'=HYPERLINK("http://evil")' in titles
    assert "'@SUM(1+1) 商标注册包通过" in titles
    offers = {row[header.index("内容摘要")] for row in body}
    assert any(o.startswith("'+cmd") for o in offers)

    [xlsx_file] = _export(session, notices, "xlsx")
    sheet = load_workbook(io.BytesIO(xlsx_file.content)).active
    values = [c.value for row in sheet.iter_rows(min_row=2) for c in row]
    assert '\'=HYPERLINK("http://evil")' in values
    for cell in (c for row in sheet.iter_rows() for c in row):
        assert cell.data_type != "f", cell.coordinate
    shops = {c.value for c in sheet["D"]}
    assert "'-恶意店铺 ::items::" in shops


def test_json_carries_every_required_field(session: Session, notices: list[TakedownNotice]) -> None:
    [f] = _export(session, notices, "json")
    data = json.loads(f.content)
    assert len(data["notices"]) == 3
    notice = next(n for n in data["notices"] if n["shop"] == "快通知识产权")
    assert notice["office_name"] == OFFICE and notice["office_contact"] == CONTACT
    assert notice["channel_key"] == "alibaba_ipp"
    assert notice["deadline"] == "2026-11-11"  # 7 working days after Monday 2 November
    assert len(notice["actions"]) >= 3
    item = notice["items"][0]
    assert item["url"] == "https://item.taobao.com/item.htm?id=1"
    assert item["categories"][0]["name"] == "承诺授权结果"
    assert "《专利代理条例》第二十五条" in item["legal_basis"]
    ev = item["evidence"][0]
    assert ev["capture_uid"].startswith("cap-") and len(ev["manifest_sha256"]) == 64
    assert ev["screenshot_sha256"] and ev["captured_at"].startswith("2026-11-02T08:35")


def test_docx_holds_the_chinese_letter(
    session: Session, notices: list[TakedownNotice], tmp_path: Path
) -> None:
    [f] = _export(session, [_taobao(notices)], "docx")
    document = Document(io.BytesIO(f.content))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert "阿里巴巴集团知识产权保护平台" in text and OFFICE in text
    assert "2026年11月11日前处理完毕" in text
    assert "发明专利包授权" in cells and "cap-0001" in cells and f"{1:064x}" in cells
    with zipfile.ZipFile(io.BytesIO(f.content)) as z:
        assert {i.date_time for i in z.infolist()} == {(2026, 11, 2, 0, 0, 0)}
        assert b"2026-11-02T00:00:00Z" in z.read("docProps/core.xml")


def test_pdf_holds_the_chinese_letter(
    session: Session, notices: list[TakedownNotice], tmp_path: Path
) -> None:
    [f] = _export(session, [_taobao(notices)], "pdf")
    path = tmp_path / f.name
    path.write_bytes(f.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "违规招揽专利、商标代理业务" in text
    assert OFFICE in text and "快通知识产权" in text
    assert "cap-0001" in text


def test_hostile_shop_name_cannot_inject_letter_blocks(
    session: Session, notices: list[TakedownNotice]
) -> None:
    hostile = next(n for n in notices if n.shop and "恶意" in n.shop)
    [f] = _export(session, [hostile], "txt")
    text = f.content.decode()
    assert text.count("发明专利包授权") == 0
    assert "-恶意店铺 ::items::" in text


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ExportError, match="unknown export format 'odt'"):
        parse_format("odt")
