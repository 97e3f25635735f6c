"""RFC 3161 timestamps from a real (openssl-backed) TSA on loopback."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from evhelpers import make_result
from evtsa import Tsa, serve_tsa
from typer.testing import CliRunner

from evidence.package import export_package, verify_package
from evidence.timestamp import TimestampError, build_request, parse_response, request_timestamp
from evidence.vault import EvidenceVault
from evidence.zipsafe import read_entries
from lantian.commands.evidence import app
from lantian.config import Settings


@pytest.fixture(scope="module")
def tsa() -> Iterator[Tsa]:
    with serve_tsa() as authority:
        yield authority


def test_request_is_understood_by_openssl(tmp_path: Path) -> None:
    digest = hashlib.sha256(b"m").digest()
    (tmp_path / "q.tsq").write_bytes(build_request(digest, 4242))
    text = subprocess.run(
        ["openssl", "ts", "-query", "-in", "q.tsq", "-text"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    ).stdout
    assert (
        "Hash Algorithm: sha256" in text
        and "Nonce: 0x1092" in text
        and "Certificate required: yes" in text
    )


def test_token_checks_imprint_and_nonce(tsa: Tsa) -> None:
    token = request_timestamp(tsa.url, b"manifest bytes")
    assert token.imprint == hashlib.sha256(b"manifest bytes").digest()
    with pytest.raises(TimestampError, match="different hash"):
        parse_response(token.response, hashlib.sha256(b"other").digest(), None)
    with pytest.raises(TimestampError, match="nonce"):
        parse_response(token.response, token.imprint, 1)
    with pytest.raises(TimestampError, match="malformed"):
        parse_response(token.response[:40], token.imprint, None)


def test_recorded_capture_is_timestamped_and_verified(
    settings: object, tsa: Tsa, tmp_path: Path
) -> None:

    assert isinstance(settings, Settings)
    vault = EvidenceVault(
        settings.resolved_evidence_dir, settings.resolved_key_dir, "tester", tsa_url=tsa.url
    )
    stored = vault.record(make_result(seq=5), "L-ts")
    assert stored.timestamp_error is None and stored.timestamp_time is not None
    assert abs(stored.timestamp_time - datetime.now(UTC)) < timedelta(minutes=5)
    report = vault.verify(tsa_ca=tsa.cert)
    assert report.ok, report.problems
    assert report.timestamps == 1

    pkg = export_package(vault, [stored.capture_uid], tmp_path / "ts.zip", wacz=False).path
    files = read_entries(pkg)
    assert f"manifests/{stored.capture_uid}.json.tsr" in files
    assert "openssl ts -verify" in files["VERIFY.md"].decode()
    assert verify_package(pkg).timestamps == 1

    other = vault.record(make_result(seq=6), "L-ts")
    tsr = vault.manifest_path(stored.capture_uid).with_suffix(".json.tsr")
    swapped = vault.manifest_path(other.capture_uid).with_suffix(".json.tsr")
    swapped.chmod(0o644)
    swapped.write_bytes(tsr.read_bytes())
    result = CliRunner().invoke(app, ["verify", "--store", str(vault.root)])
    assert result.exit_code == 1
    assert (
        f"manifest {other.capture_uid} (ledger entry 1): trusted timestamp invalid" in result.stdout
    )


def test_unreachable_tsa_does_not_lose_the_capture(vault: EvidenceVault) -> None:
    vault.tsa_url = "http://127.0.0.1:9/tsa"
    stored = vault.record(make_result(seq=7), "L-down")
    assert stored.timestamp_time is None
    assert stored.timestamp_error is not None and "unreachable" in stored.timestamp_error
    assert vault.verify().ok
