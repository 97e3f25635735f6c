"""Content-addressed store, signing key handling, and the ledger under concurrent appends."""

from __future__ import annotations

import multiprocessing
import stat
import subprocess
from pathlib import Path

import pytest

from evidence.errors import ArtifactNotFound, ArtifactStoreError, SigningKeyError
from evidence.ledger import GENESIS, Ledger
from evidence.signing import PRIVATE_NAME, Signer
from evidence.store import LocalArtifactStore, sha256_hex
from evidence.verify import VerifyReport, _check_chain


def test_put_is_content_addressed_write_once_and_read_only(tmp_path: Path) -> None:
    store = LocalArtifactStore(tmp_path)
    digest = store.put("专利".encode())
    assert digest == sha256_hex("专利".encode())
    path = tmp_path / "artifacts" / digest[:2] / digest[2:4] / digest
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert store.put("专利".encode()) == digest  # same bytes: no second file, no error
    assert store.get(digest) == "专利".encode()
    assert store.exists(digest)
    assert list(store.iter()) == [digest]
    with store.open(digest) as fh:
        assert fh.read(3) == "专".encode()
    assert not any(p.name.startswith(".tmp-") for p in path.parent.iterdir())


def test_store_errors_are_named(tmp_path: Path) -> None:
    store = LocalArtifactStore(tmp_path)
    with pytest.raises(ArtifactNotFound, match="0" * 64):
        store.get("0" * 64)
    with pytest.raises(ArtifactStoreError, match="not a SHA-256"):
        store.get("../../etc/passwd")


def test_key_is_created_once_private_and_reused(tmp_path: Path) -> None:
    first = Signer(tmp_path / "keys")
    assert stat.S_IMODE((tmp_path / "keys" / PRIVATE_NAME).stat().st_mode) == 0o600
    second = Signer(tmp_path / "keys")
    assert first.fingerprint == second.fingerprint
    assert second.public_pem().startswith(b"-----BEGIN PUBLIC KEY-----")


def test_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    Signer(tmp_path)
    (tmp_path / PRIVATE_NAME).chmod(0o644)
    with pytest.raises(SigningKeyError, match="chmod 600"):
        Signer(tmp_path)


def test_signature_checks_with_openssl(tmp_path: Path) -> None:
    signer = Signer(tmp_path / "keys")
    data = "清单 manifest".encode()
    (tmp_path / "m.json").write_bytes(data)
    (tmp_path / "m.json.sig").write_bytes(signer.sign(data))
    (tmp_path / "pub.pem").write_bytes(signer.public_pem())
    cmd = [
        "openssl",
        "pkeyutl",
        "-verify",
        "-pubin",
        "-inkey",
        "pub.pem",
        "-rawin",
        "-in",
        "m.json",
        "-sigfile",
        "m.json.sig",
    ]
    ok = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True)
    assert ok.returncode == 0 and "Signature Verified Successfully" in ok.stdout
    (tmp_path / "m.json").write_bytes(data + b" ")
    bad = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True)
    assert bad.returncode != 0
    fp = subprocess.run(
        "openssl pkey -pubin -in pub.pem -outform DER | sha256sum",
        shell=True,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert fp.stdout.split()[0] == signer.fingerprint


def _append_many(root: str, worker: int, count: int) -> None:
    ledger = Ledger(Path(root))
    for i in range(count):
        ledger.append(f"w{worker}-{i}", f"{worker:02d}{i:062d}")


def test_concurrent_appends_from_processes_keep_the_chain(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_append_many, args=(str(tmp_path), w, 25)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    ledger = Ledger(tmp_path)
    entries = ledger.entries()
    assert [e.index for e in entries] == list(range(100))
    assert entries[0].prev_hash == GENESIS
    assert len({e.capture_uid for e in entries}) == 100
    report = VerifyReport()
    _check_chain(ledger, report)
    assert report.ok, report.problems
