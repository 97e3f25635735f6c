"""``lantian case export``: a 线索移交函 (DOCX, PDF) and an evidence package the receiving office verifies."""

from __future__ import annotations

import io
import json
import shutil
import struct
import subprocess
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from docx import Document
from sqlalchemy import select
from td_seed import add_listing
from typer.testing import CliRunner

from evidence.clock import clock_info
from evidence.result import Artifact, CaptureResult
from evidence.vault import EvidenceVault
from evidence.warc import Exchange, build_warc
from lantian.commands.case import app as case_app
from lantian.commands.common import migrated_session
from lantian.commands.evidence import app as evidence_app
from lantian.config import Settings
from store.actors import link_actor
from store.models import AuditEntry, EvidenceCapture, Listing

runner = CliRunner()
WHEN = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    raw = b"\x00\xff\x00\x00"
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))  # fmt: skip


def _capture(url: str, text: str) -> CaptureResult:
    """A complete capture without a browser: PNG, HTML, headers and a real WARC record."""
    html = f'<!doctype html><meta charset="utf-8"><p>{text}</p>'.encode()
    warc = build_warc(
        [Exchange(url=url, method="GET", request_headers=[("User-Agent", "test")], status=200,
                  status_text="OK", response_headers=[("Content-Type", "text/html; charset=utf-8")],
                  body=html, server_ip="203.0.113.7", time=WHEN)],
        software="lantian tests", description=f"capture of {url}",
    )  # fmt: skip
    return CaptureResult(
        url=url, final_url=url, http_status=200, server_ip="203.0.113.7", server_port=443,
        redirects=(), started_at=WHEN, captured_at=WHEN + timedelta(seconds=2), clock=clock_info(),
        environment={"tool": "lantian", "browser": "none (synthetic)", "fresh_profile": True},
        artifacts=(
            Artifact("screenshot", _png(), "image/png"),
            Artifact("dom", html, "text/html; charset=utf-8"),
            Artifact("body", html, "text/html; charset=utf-8"),
            Artifact("headers", json.dumps({"url": url}).encode(), "application/json"),
            Artifact("warc", warc, "application/warc"),
        ),
    )  # fmt: skip


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) missing")
def test_a_case_exported_to_another_office_verifies_on_its_own(
    settings: Settings, tmp_path: Path
) -> None:
    vault = EvidenceVault(settings.resolved_evidence_dir, settings.resolved_key_dir, "tester")
    with migrated_session(settings) as session:
        for n, (platform, shop) in enumerate([("taobao", "快通知识产权"), ("xianyu", "快通二手")]):
            url = f"https://{platform}.example/item/{n}"
            listing = add_listing(session, platform, url, title=f"发明专利包授权{n}",
                                  text="包授权 不过全额退款 加微信 kt8888", shop=shop,
                                  categories=["guaranteed_grant"], capture=False)  # fmt: skip
            link_actor(session, listing, [("wechat", "kt8888")])
            stored = vault.record(_capture(url, "发明专利包授权"), str(listing.id), "run-1")
            session.add(EvidenceCapture(
                listing_id=listing.id, capture_uid=stored.capture_uid,
                manifest_sha256=stored.manifest_sha256, url=url, final_url=url, http_status=200,
                captured_at=stored.captured_at, screenshot_sha256=None, reason="flagged",
            ))  # fmt: skip
        session.commit()
        actor_id = session.scalars(select(Listing.actor_id)).first()
    out = tmp_path / "out"
    result = runner.invoke(
        case_app,
        ["export", f"actor:{actor_id}", "--to", "440300", "--out", str(out), "--as", "sup"],
    )
    assert result.exit_code == 0, result.output
    reference = f"YJ-{datetime.now(UTC):%Y%m%d}-A{actor_id}"
    docx, pdf, package = (
        out / f"{reference}.docx",
        out / f"{reference}.pdf",
        out / f"{reference}-evidence.zip",
    )
    assert docx.is_file() and pdf.is_file() and package.is_file()
    # the receiving office's check: the package alone, with its own key
    check = runner.invoke(evidence_app, ["verify-package", str(package), "--json"])
    assert check.exit_code == 0, check.output
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.read_bytes())).paragraphs)
    pdf_text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                              check=True).stdout.decode()  # fmt: skip
    for body in (text, "".join(pdf_text.split())):
        assert "线索移交函" in body and "深圳市市场监督管理局（知识产权局）" in body
        assert "kt8888" in body and package.name in body
        assert "《广告法》第四条、第二十八条" in body
        assert "verify" not in body.lower() and "待核实" not in body
    # tampering with the package is caught
    bad = tmp_path / "bad.zip"
    data = bytearray(package.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad.write_bytes(bytes(data))
    assert runner.invoke(evidence_app, ["verify-package", str(bad)]).exit_code == 1
    with migrated_session(settings) as session:
        [entry] = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "case.export")
        ).all()
        assert entry.detail["to_office"] == "440300" and len(entry.detail["listings"]) == 2
    assert runner.invoke(case_app, ["export", "actor:1", "--to", "999999"]).exit_code == 2
