"""Export notices in the formats platforms accept; the same notices always give the same bytes.

DOCX, PDF and TXT are letters, one file per notice; XLSX, CSV and JSON are bulk
files holding every given notice, one row (or object) per listing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from store import TakedownNotice
from takedown.categories import CategoryCatalog
from takedown.document import NoticeDocument, build_document
from takedown.errors import ExportError
from takedown.exporters.common import utc_text
from takedown.letter import Block, BlockKind, render_letter
from takedown.platforms import ExportFormat, PlatformRegistry, default_registry

JSON_SCHEMA_ID = "lantian.takedown.notice/1"

MEDIA_TYPES: dict[ExportFormat, str] = {
    ExportFormat.docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ExportFormat.pdf: "application/pdf",
    ExportFormat.xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.csv: "text/csv; charset=utf-8",
    ExportFormat.json: "application/json",
    ExportFormat.txt: "text/plain; charset=utf-8",
}
LETTER_FORMATS = frozenset({ExportFormat.docx, ExportFormat.pdf, ExportFormat.txt})


@dataclass(frozen=True)
class ExportedFile:
    name: str
    content: bytes
    media_type: str


def parse_format(value: str) -> ExportFormat:
    try:
        return ExportFormat(value.lower().lstrip("."))
    except ValueError:
        known = ", ".join(f.value for f in ExportFormat)
        raise ExportError(f"unknown export format {value!r}; known: {known}") from None


def to_json(docs: Sequence[NoticeDocument]) -> bytes:
    payload = {"schema": JSON_SCHEMA_ID, "notices": [d.model_dump(mode="json") for d in docs]}
    return (json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode(
        "utf-8"
    )


def to_text(doc: NoticeDocument, blocks: list[Block]) -> bytes:
    lines: list[str] = []
    for block in blocks:
        if block.kind is BlockKind.items:
            for item in doc.items:
                cats = "、".join(c.name for c in item.categories)
                lines.append(
                    f"  {item.no}. {item.title}\n     {item.url}\n     店铺/经营者：{item.shop or doc.shop} {item.seller}\n     违规类型：{cats}\n     内容摘要：{item.offers}"
                )
        elif block.kind is BlockKind.evidence:
            for item in doc.items:
                for ev in item.evidence:
                    lines.append(
                        f"  {item.no}. {ev.capture_uid}  {utc_text(ev.captured_at)} UTC\n"
                        f"     清单SHA-256 {ev.manifest_sha256}\n     截图SHA-256 {ev.screenshot_sha256 or '—'}"
                    )
        elif block.kind is BlockKind.title:
            lines.append(block.text.center(40))
        elif block.kind is BlockKind.heading:
            lines.append("\n" + block.text)
        elif block.kind is BlockKind.bullet:
            lines.append(f"  · {block.text}")
        elif block.kind is BlockKind.right:
            lines.append(block.text.rjust(60))
        else:
            lines.append(block.text)
    return ("\n".join(lines) + "\n").encode("utf-8")


def _bulk_name(docs: Sequence[NoticeDocument], ext: str) -> str:
    if len(docs) == 1:
        return f"{docs[0].reference}.{ext}"
    platforms = sorted({d.platform_key for d in docs})
    last = max(d.issued for d in docs).strftime("%Y%m%d")
    return f"takedown-{'-'.join(platforms)}-{last}-{len(docs)}.{ext}"


def export_documents(
    docs: Sequence[NoticeDocument],
    fmt: ExportFormat | str,
    registry: PlatformRegistry | None = None,
) -> list[ExportedFile]:
    """Render ``docs`` in ``fmt``; letters one file per notice, bulk formats one file."""
    fmt = parse_format(fmt) if isinstance(fmt, str) else fmt
    registry = registry or default_registry()
    if not docs:
        raise ExportError("nothing to export: no notices given")
    ordered = sorted(docs, key=lambda d: d.reference)
    media = MEDIA_TYPES[fmt]
    if fmt in LETTER_FORMATS:
        files = []
        for doc in ordered:
            blocks = render_letter(doc, registry)
            if fmt is ExportFormat.docx:
                from takedown.exporters.docx import to_docx

                content = to_docx(doc, blocks)
            elif fmt is ExportFormat.pdf:
                from takedown.exporters.pdf import to_pdf

                content = to_pdf(doc, blocks)
            else:
                content = to_text(doc, blocks)
            files.append(ExportedFile(f"{doc.reference}.{fmt.value}", content, media))
        return files
    if fmt is ExportFormat.json:
        content = to_json(ordered)
    else:
        from takedown.exporters.sheets import to_csv, to_xlsx

        content = to_csv(ordered) if fmt is ExportFormat.csv else to_xlsx(ordered)
    return [ExportedFile(_bulk_name(ordered, fmt.value), content, media)]


def write_files(files: Sequence[ExportedFile], out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for f in files:
        path = out_dir / f.name
        path.write_bytes(f.content)
        paths.append(path)
    return paths


def export_notices(
    session: Session,
    notices: Sequence[TakedownNotice],
    fmt: ExportFormat | str,
    *,
    office_name: str,
    office_contact: str,
    registry: PlatformRegistry | None = None,
    catalog: CategoryCatalog | None = None,
) -> list[ExportedFile]:
    """Build each notice's document from the store and export them in ``fmt``."""
    registry = registry or default_registry()
    docs = [
        build_document(
            session,
            n,
            office_name=office_name,
            office_contact=office_contact,
            registry=registry,
            catalog=catalog,
        )
        for n in notices
    ]
    return export_documents(docs, fmt, registry)
