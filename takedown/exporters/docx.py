"""The formal letter as DOCX (python-docx), with the listing and evidence tables."""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from takedown.document import NoticeDocument
from takedown.exporters.common import fixed_moment, normalize_ooxml, utc_text
from takedown.letter import Block, BlockKind

CJK_FONT = "SimSun"
HEADING_FONT = "SimHei"


def _set_font(run: object, name: str, size: float, bold: bool = False) -> None:
    font = run.font  # type: ignore[attr-defined]
    font.name = name
    font.size = Pt(size)
    font.bold = bold
    rpr = run._element.get_or_add_rPr()  # type: ignore[attr-defined]
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(rfonts)
    rfonts.set(qn("w:eastAsia"), name)


def _table(document: object, header: list[str], rows: list[list[str]], widths: list[float]) -> None:
    table = document.add_table(rows=1, cols=len(header))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        _set_font(cell.paragraphs[0].add_run(text), HEADING_FONT, 9, bold=True)
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = ""
            _set_font(cell.paragraphs[0].add_run(text), CJK_FONT, 8)
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Cm(width)


def _items_table(document: object, doc: NoticeDocument) -> None:
    rows = [
        [
            str(item.no),
            f"{item.title}\n{item.url}",
            "\n".join(x for x in (item.shop or doc.shop, item.seller) if x),
            item.offers,
            "、".join(c.name for c in item.categories),
        ]
        for item in doc.items
    ]
    _table(
        document,
        ["序号", "标题及链接", "店铺/经营者", "内容摘要", "违规类型"],
        rows,
        [1.2, 8.0, 3.5, 9.0, 3.0],
    )


def _evidence_table(document: object, doc: NoticeDocument) -> None:
    rows = [
        [
            str(item.no),
            ev.capture_uid,
            utc_text(ev.captured_at),
            ev.manifest_sha256,
            ev.screenshot_sha256 or "—",
        ]
        for item in doc.items
        for ev in item.evidence
    ]
    if not rows:
        rows = [["—", "（尚无取证记录）", "", "", ""]]
    _table(
        document,
        ["序号", "取证编号", "取证时间(UTC)", "取证清单SHA-256", "截图SHA-256"],
        rows,
        [1.2, 5.0, 3.5, 7.5, 7.5],
    )


def to_docx(doc: NoticeDocument, blocks: list[Block]) -> bytes:
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for margin in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, margin, Cm(2.0))
    for block in blocks:
        if block.kind is BlockKind.items:
            _items_table(document, doc)
        elif block.kind is BlockKind.evidence:
            _evidence_table(document, doc)
        elif block.kind is BlockKind.title:
            para = document.add_paragraph()
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _set_font(para.add_run(block.text), HEADING_FONT, 18, bold=True)
        elif block.kind is BlockKind.heading:
            para = document.add_paragraph()
            _set_font(para.add_run(block.text), HEADING_FONT, 13, bold=True)
        elif block.kind is BlockKind.bullet:
            para = document.add_paragraph(style="List Bullet")
            _set_font(para.add_run(block.text), CJK_FONT, 11)
        elif block.kind is BlockKind.right:
            para = document.add_paragraph()
            para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _set_font(para.add_run(block.text), CJK_FONT, 12)
        else:
            para = document.add_paragraph()
            _set_font(para.add_run(block.text), CJK_FONT, 12)
    when = fixed_moment([doc])
    props = document.core_properties
    props.author = doc.office_name
    props.last_modified_by = doc.office_name
    props.title = f"{doc.reference} {doc.platform_name} 违规信息处置函"
    props.subject = doc.channel_name
    props.keywords = doc.reference
    props.comments = ""
    props.revision = 1
    props.created = when.replace(tzinfo=None)
    props.modified = when.replace(tzinfo=None)
    props.last_printed = when.replace(tzinfo=None)
    buffer = io.BytesIO()
    document.save(buffer)
    return normalize_ooxml(buffer.getvalue(), when)
