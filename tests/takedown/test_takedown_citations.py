"""No outgoing letter cites a legal basis nobody could check (rules/categories.yaml statuses).

Every channel's template is rendered in every letter format the product writes
(DOCX, PDF, text), with the real category list, and the text read back from the
files themselves: python-docx for DOCX, ``pdftotext`` for PDF.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from docx import Document
from sqlalchemy.orm import Session
from td_seed import T0, Seeded, sqlite_only_session

from classifiers.categories import load_categories, load_general_grounds
from store.models import Classification, RuleHit, TakedownNotice
from takedown.categories import default_catalog
from takedown.document import build_document
from takedown.export import LETTER_FORMATS, export_documents
from takedown.grouping import draft_notices
from takedown.platforms import ExportFormat, default_registry
from takedown.workflow import approve

STALE_BASIS = (
    "专利代理条例第二十五条及《专利代理管理办法》（2019）关于不正当招揽业务的规定 [verify 条款项]"
)
FORBIDDEN = re.compile(r"verify|待核实", re.IGNORECASE)


@pytest.fixture
def session(sqlite_url: str) -> Iterator[Session]:
    with sqlite_only_session(sqlite_url) as s:
        yield s


def _unchecked_texts() -> list[str]:
    texts = [c.text for cat in load_categories().values() for c in cat.citations if not c.citable]
    texts += [c.text for c in load_general_grounds() if not c.citable]
    return texts


def test_the_category_list_has_no_inline_verify_notes_and_some_unchecked_entries() -> None:
    citations = [c for cat in load_categories().values() for c in cat.citations]
    citations += list(load_general_grounds())
    assert not [c.text for c in citations if FORBIDDEN.search(c.text)]
    assert _unchecked_texts(), "the list keeps unchecked citations as data, marked, not deleted"
    assert all(cat.legal_bases for cat in load_categories().values()), (
        "every category has a citable basis"
    )


def _text_of(fmt: ExportFormat, content: bytes, tmp_path: Path) -> str:
    if fmt is ExportFormat.docx:
        doc = Document(io.BytesIO(content))
        parts = [p.text for p in doc.paragraphs]
        parts += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
        return "\n".join(parts)
    if fmt is ExportFormat.pdf:
        pdf = tmp_path / "letter.pdf"
        pdf.write_bytes(content)
        out = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True
        )
        return out.stdout.decode("utf-8")
    return content.decode("utf-8")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) missing")
def test_every_channel_letter_in_every_format_cites_only_checked_bases(
    session: Session, seeded: Seeded, tmp_path: Path
) -> None:
    # A hit stored before the checked list carries the old free-form basis with its note.
    listing = seeded.listings[0]
    version = listing.current_version
    assert version is not None
    classification = Classification(
        version_id=version.id, irregular=True, score=0.9, categories=["guaranteed_grant"]
    )
    session.add(classification)
    session.flush()
    session.add(
        RuleHit(
            classification_id=classification.id, rule="gg.bao", category="guaranteed_grant",
            start=0, end=3, match="包授权", explanation="承诺结果",
            legal_basis=STALE_BASIS + "；" + "；".join(_unchecked_texts()) + "；《广告法》第四条、第二十八条",
        )
    )  # fmt: skip
    session.commit()
    result = draft_notices(session, seeded.reviewer, now=T0)
    for notice in result.created:
        approve(session, notice, seeded.supervisor, at=T0)
    session.commit()
    notice: TakedownNotice = next(
        n for n in result.created if any(i.listing_id == listing.id for i in n.items)
    )
    registry = default_registry()
    base = build_document(
        session, notice, office_name="浙江省知识产权局", office_contact="0571-00000000",
        registry=registry, catalog=default_catalog(),
    )  # fmt: skip
    assert "《广告法》第四条、第二十八条" in [b for i in base.items for b in i.legal_basis]
    unchecked = _unchecked_texts()
    rendered = 0
    for key, channel in sorted(registry.channels.items()):
        doc = base.model_copy(update={"channel_key": key, "channel_name": channel.name})
        for fmt in sorted(LETTER_FORMATS, key=lambda f: f.value):
            [exported] = export_documents([doc], fmt, registry)
            text = _text_of(fmt, exported.content, tmp_path)
            flat = "".join(text.split())
            assert "浙江省知识产权局" in flat, (key, fmt)
            assert "《广告法》第四条" in flat, (key, fmt, "a checked basis is printed")
            assert not FORBIDDEN.search(text), (key, fmt, FORBIDDEN.findall(text))
            for citation in unchecked:
                assert "".join(citation.split())[:24] not in flat, (key, fmt, citation)
            assert "第二十五条及《专利代理管理办法》（2019）关于" not in flat, (key, fmt)
            rendered += 1
    assert rendered == len(registry.channels) * len(LETTER_FORMATS) >= 3 * 7
