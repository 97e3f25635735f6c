"""Verify: intact store passes; each kind of tampering fails naming what and how (CLI exit codes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from evhelpers import artifact_path, make_result
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from typer.testing import CliRunner

from evidence.canonical import canonical_json
from evidence.vault import EvidenceVault
from lantian.commands.evidence import app

runner = CliRunner()


def verify_cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["verify", *args])
    return result.exit_code, result.stdout


def writable(path: Path) -> Path:
    path.chmod(0o644)
    return path


def test_intact_store_verifies(filled_vault: EvidenceVault) -> None:
    report = filled_vault.verify()
    assert report.ok, report.problems
    assert (report.captures, report.artifacts_checked, report.ledger_entries) == (3, 15, 3)
    code, out = verify_cli()
    assert code == 0 and out == ""


def test_recapture_sits_beside_the_first(filled_vault: EvidenceVault) -> None:
    caps = filled_vault.captures_for_listing("L-1")
    assert len(caps) == 2
    assert caps[0].capture_uid != caps[1].capture_uid
    assert [c.reason for c in caps] == ["flagged", "recheck"]
    stored = filled_vault.record(make_result(seq=9), "L-1")
    assert stored.ledger_index == 3
    assert len(filled_vault.captures_for_listing("L-1")) == 3


def test_flipped_bit_is_named(filled_vault: EvidenceVault) -> None:
    manifest = next(filled_vault.iter_manifests())
    shot = manifest.artifact("screenshot")
    assert shot is not None
    path = writable(artifact_path(filled_vault, shot.sha256))
    data = bytearray(path.read_bytes())
    data[20] ^= 0x01
    path.write_bytes(bytes(data))
    code, out = verify_cli()
    assert code == 1
    assert f"artifact {shot.sha256} (screenshot of capture {manifest.capture_uid})" in out
    assert "content changed" in out
    assert out.count("FAIL") == 1


def test_deleted_artifact_is_named(filled_vault: EvidenceVault) -> None:
    manifest = list(filled_vault.iter_manifests())[1]
    dom = manifest.artifact("dom")
    assert dom is not None
    artifact_path(filled_vault, dom.sha256).unlink()
    code, out = verify_cli()
    assert code == 1
    assert f"artifact {dom.sha256} (dom of capture {manifest.capture_uid}): missing" in out


def test_edited_manifest_is_named(filled_vault: EvidenceVault) -> None:
    uid = list(filled_vault.iter_manifests())[2].capture_uid
    path = writable(filled_vault.manifest_path(uid))
    data = json.loads(path.read_bytes())
    data["url"] = "https://elsewhere.example.cn/"
    path.write_bytes(canonical_json(data))
    code, out = verify_cli()
    assert code == 1
    assert f"manifest {uid} (ledger entry 2): edited after signing" in out
    assert f"manifest {uid} (ledger entry 2): signature invalid" in out


def test_removed_ledger_entry_is_named(filled_vault: EvidenceVault) -> None:
    ledger = filled_vault.ledger.path
    lines = ledger.read_bytes().splitlines(keepends=True)
    removed = json.loads(lines[1])["capture_uid"]
    ledger.write_bytes(lines[0] + lines[2])
    code, out = verify_cli()
    assert code == 1
    assert "ledger entry 2 (line 2" in out and "entry removed before it" in out
    assert "chain broken" in out
    assert f"manifest {removed}: not in the ledger" in out


def test_removed_last_ledger_entry_is_caught(filled_vault: EvidenceVault) -> None:
    ledger = filled_vault.ledger.path
    lines = ledger.read_bytes().splitlines(keepends=True)
    removed = json.loads(lines[-1])["capture_uid"]
    ledger.write_bytes(b"".join(lines[:-1]))
    code, out = verify_cli()
    assert code == 1
    assert f"manifest {removed}: not in the ledger" in out


def test_reordered_ledger_entries_are_named(filled_vault: EvidenceVault) -> None:
    ledger = filled_vault.ledger.path
    lines = ledger.read_bytes().splitlines(keepends=True)
    ledger.write_bytes(lines[0] + lines[2] + lines[1])
    code, out = verify_cli("--json")
    assert code == 1
    report = json.loads(out)
    subjects = " ".join(p["subject"] + " " + p["how"] for p in report["problems"])
    assert "ledger entry 2 (line 2" in subjects and "ledger entry 1 (line 3" in subjects
    assert "reordered" in subjects


def test_other_key_is_refused(filled_vault: EvidenceVault, tmp_path: Path) -> None:
    from evidence.signing import Signer

    other = tmp_path / "other.pem"
    other.write_bytes(Signer(tmp_path / "otherkeys").public_pem())
    code, out = verify_cli("--pubkey", str(other))
    assert code == 1
    assert out.count("signature invalid") == 3


def test_verify_missing_store_is_bad_input(tmp_path: Path, settings: object) -> None:
    code, _ = verify_cli("--store", str(tmp_path / "nowhere"))
    assert code == 2


@pytest.fixture(scope="module")
def byte_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[EvidenceVault, Path, bytes]:
    root = tmp_path_factory.mktemp("bytes")
    vault = EvidenceVault(root / "evidence", root / "keys", "tester")
    stored = vault.record(make_result(seq=4), "L-9")
    body = next(a for a in stored.artifacts if a.kind == "body")
    path = artifact_path(vault, body.sha256)
    path.chmod(0o644)
    return vault, path, path.read_bytes()


@hsettings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_single_byte_change_fails_verify(
    byte_store: tuple[EvidenceVault, Path, bytes], data: st.DataObject
) -> None:
    vault, path, original = byte_store
    position = data.draw(st.integers(0, len(original) - 1), label="position")
    value = data.draw(st.integers(0, 255).filter(lambda v: v != original[position]), label="value")
    changed = bytearray(original)
    changed[position] = value
    path.write_bytes(bytes(changed))
    try:
        report = vault.verify()
        assert not report.ok
        assert [p.how.split(":")[0] for p in report.problems] == ["content changed"]
    finally:
        path.write_bytes(original)
    assert vault.verify().ok
