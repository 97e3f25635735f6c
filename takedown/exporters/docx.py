"""The formal letter as DOCX (python-docx), with the listing and evidence tables."""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from takedown.document import NoticeDocument
from takedown.exporters.common import fixed_moment, normalize_ooxml, utc_text
from takedown.letter import Block, BlockKind

CJK_FONT = "SimSun"
HEADING_FONT = "SimHei"


def _east_asian(font_owner: object, name: str) -> None:
    """Word picks the font of Chinese text from ``w:eastAsia``, which python-docx does not set."""
    element = font_owner.element  # type: ignore[attr-defined]
    rpr = element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(rfonts)
    rfonts.set(qn("w:eastAsia"), name)


def _styles(document: object) -> None:
    """Fonts live in styles, not in each run: smaller XML, and one place to change them."""
    styles = document.styles  # type: ignore[attr-defined]
    normal = styles["Normal"]
    normal.font.name, normal.font.size = CJK_FONT, Pt(12)
    _east_asian(normal, CJK_FONT)
    for name, font, size, bold in (
        ("LetterTitle", HEADING_FONT, 18, True),
        ("LetterHeading", HEADING_FONT, 13, True),
        ("Cell", CJK_FONT, 8, False),
        ("CellHead", HEADING_FONT, 9, True),
    ):
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.font.name, style.font.size, style.font.bold = font, Pt(size), bold
        _east_asian(style, font)
    styles["List Bullet"].font.size = Pt(11)


def _style(paragraph: object, style_id: str) -> None:
    """Set a paragraph's style by id; python-docx's setter scans every style per call."""
    paragraph._p.style = style_id  # type: ignore[attr-defined]


def _table(document: object, header: list[str], rows: list[list[str]], widths: list[float]) -> None:
    styles = document.styles  # type: ignore[attr-defined]
    head_style, cell_style = styles["CellHead"].style_id, styles["Cell"].style_id
    table = document.add_table(rows=1, cols=len(header))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        para = cell.paragraphs[0]
        _style(para, head_style)
        para.add_run(text)
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            para = cell.paragraphs[0]
            _style(para, cell_style)
            para.add_run(text)
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


def to_docx(doc: NoticeDocument, blocks: list[Block], title: str | None = None) -> bytes:
    document = Document()
    _styles(document)
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for margin in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, margin, Cm(2.0))
    ids = {
        name: document.styles[name].style_id
        for name in ("LetterTitle", "LetterHeading", "List Bullet")
    }
    for block in blocks:
        if block.kind is BlockKind.items:
            _items_table(document, doc)
        elif block.kind is BlockKind.evidence:
            _evidence_table(document, doc)
        elif block.kind is BlockKind.title:
            para = document.add_paragraph(block.text)
            _style(para, ids["LetterTitle"])
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif block.kind is BlockKind.heading:
            _style(document.add_paragraph(block.text), ids["LetterHeading"])
        elif block.kind is BlockKind.bullet:
            _style(document.add_paragraph(block.text), ids["List Bullet"])
        elif block.kind is BlockKind.right:
            document.add_paragraph(block.text).alignment = WD_ALIGN_PARAGRAPH.RIGHT
        else:
            document.add_paragraph(block.text)
    when = fixed_moment([doc])
    props = document.core_properties
    props.author = doc.office_name
    props.last_modified_by = doc.office_name
    props.title = title or f"{doc.reference} {doc.platform_name} 违规信息处置函"
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
