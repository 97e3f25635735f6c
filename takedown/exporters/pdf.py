"""The formal letter as PDF (reportlab), Chinese set in the Adobe-GB1 CID font STSong-Light.

reportlab cannot embed the CFF-outline Noto CJK collections installed here, so
the letter uses STSong-Light, one of the standard CJK fonts PDF readers supply
themselves (poppler with poppler-data, Acrobat with its Asian font pack).
``invariant=1`` fixes the creation date and document ID, so re-exports are
byte-identical.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from takedown.document import NoticeDocument
from takedown.exporters.common import utc_text
from takedown.letter import Block, BlockKind

FONT = "STSong-Light"


def _register_font() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle(
        "body", fontName=FONT, fontSize=11, leading=17, wordWrap="CJK", spaceAfter=4
    )
    return {
        "body": base,
        "title": ParagraphStyle(
            "title", parent=base, fontSize=17, leading=24, alignment=TA_CENTER, spaceAfter=10
        ),
        "heading": ParagraphStyle("heading", parent=base, fontSize=13, leading=20, spaceBefore=8),
        "bullet": ParagraphStyle("bullet", parent=base, leftIndent=14, bulletIndent=4),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=11, spaceAfter=0),
    }


def _cell(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _table(
    header: list[str], rows: list[list[str]], widths: list[float], style: ParagraphStyle
) -> Table:
    data = [[_cell(h, style) for h in header]] + [[_cell(v, style) for v in row] for row in rows]
    table = Table(data, colWidths=[w * cm for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def to_pdf(doc: NoticeDocument, blocks: list[Block], title: str | None = None) -> bytes:
    _register_font()
    styles = _styles()
    story: list[Flowable] = []
    for block in blocks:
        if block.kind is BlockKind.items:
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
            story.append(
                _table(
                    ["序号", "标题及链接", "店铺/经营者", "内容摘要", "违规类型"],
                    rows,
                    [1.2, 8.5, 3.5, 9.0, 3.0],
                    styles["cell"],
                )
            )
            story.append(Spacer(1, 6))
        elif block.kind is BlockKind.evidence:
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
            ] or [["—", "（尚无取证记录）", "", "", ""]]
            story.append(
                _table(
                    ["序号", "取证编号", "取证时间(UTC)", "取证清单SHA-256", "截图SHA-256"],
                    rows,
                    [1.2, 5.2, 3.5, 7.7, 7.6],
                    styles["cell"],
                )
            )
            story.append(Spacer(1, 6))
        elif block.kind is BlockKind.bullet:
            story.append(Paragraph(escape(block.text), styles["bullet"], bulletText="•"))
        else:
            style = {
                BlockKind.title: styles["title"],
                BlockKind.heading: styles["heading"],
                BlockKind.right: styles["right"],
            }.get(block.kind, styles["body"])
            story.append(Paragraph(escape(block.text), style))
    buffer = io.BytesIO()
    template = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=1.8 * cm,
        rightMargin=1.8 * cm,
        topMargin=1.6 * cm,
        bottomMargin=1.6 * cm,
        title=title or f"{doc.reference} {doc.platform_name} 违规信息处置函",
        author=doc.office_name,
        subject=doc.channel_name,
        creator="Lantian",
        invariant=1,
    )
    template.build(story)
    return buffer.getvalue()
