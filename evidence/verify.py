"""Check an evidence store: artifacts against manifests, signatures, the ledger chain.

Every problem is reported with the artifact or entry it concerns and how it
fails; nothing stops at the first problem.
"""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from evidence.errors import ArtifactNotFound, EvidenceError
from evidence.ledger import GENESIS, Ledger, LedgerEntry
from evidence.manifest import Manifest
from evidence.signing import key_fingerprint, load_public_key, verify_signature
from evidence.store import ArtifactStore
from evidence.timestamp import TimestampError, parse_response

_CHUNK = 1 << 20


@dataclass(frozen=True)
class Problem:
    subject: str
    how: str
    capture_uid: str | None = None

    def __str__(self) -> str:
        return f"{self.subject}: {self.how}"


@dataclass
class VerifyReport:
    captures: int = 0
    artifacts_checked: int = 0
    ledger_entries: int = 0
    timestamps: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, subject: str, how: str, capture_uid: str | None = None) -> None:
        self.problems.append(Problem(subject, how, capture_uid))

    @property
    def failed_captures(self) -> set[str]:
        return {p.capture_uid for p in self.problems if p.capture_uid}


def hash_stream(store: ArtifactStore, sha256: str) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with store.open(sha256) as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _check_chain(ledger: Ledger, report: VerifyReport) -> list[LedgerEntry]:
    entries: list[LedgerEntry] = []
    prev_hash = GENESIS
    prev_index = -1
    for line in ledger.read_lines():
        where = f"ledger line {line.line_no}"
        if line.entry is None:
            report.add(where, f"unreadable entry ({line.error})")
            continue
        entry = line.entry
        where = f"ledger entry {entry.index} (line {line.line_no}, capture {entry.capture_uid})"
        if entry.computed_hash() != entry.entry_hash:
            report.add(
                where,
                "entry edited: its content no longer hashes to its entry_hash",
                entry.capture_uid,
            )
        if entry.index != prev_index + 1:
            report.add(
                where,
                f"index {entry.index} follows index {prev_index}: "
                + (
                    "entry removed before it"
                    if entry.index > prev_index + 1
                    else "entries reordered or duplicated"
                ),
                entry.capture_uid,
            )
        if entry.prev_hash != prev_hash:
            report.add(
                where,
                "chain broken: prev_hash does not match the entry before it (removed or reordered)",
                entry.capture_uid,
            )
        prev_hash = entry.entry_hash
        prev_index = entry.index
        entries.append(entry)
    report.ledger_entries = len(entries)
    return entries


def _check_artifacts(manifest: Manifest, store: ArtifactStore, report: VerifyReport) -> None:
    for art in manifest.artifacts:
        subject = f"artifact {art.sha256} ({art.kind} of capture {manifest.capture_uid})"
        report.artifacts_checked += 1
        try:
            actual, size = hash_stream(store, art.sha256)
        except ArtifactNotFound:
            report.add(
                subject, "missing: the file was deleted from the store", manifest.capture_uid
            )
            continue
        except (OSError, EvidenceError) as exc:
            report.add(subject, f"unreadable: {exc}", manifest.capture_uid)
            continue
        if actual != art.sha256:
            report.add(
                subject,
                f"content changed: it now hashes to {actual} ({size} bytes, manifest says {art.size})",
                manifest.capture_uid,
            )
        elif size != art.size:
            report.add(
                subject, f"size {size} differs from the manifest's {art.size}", manifest.capture_uid
            )


def check_timestamp_with_openssl(tsr: Path, data: Path, tsa_ca: Path) -> str | None:
    """Full RFC 3161 check (TSA signature and certificate) with ``openssl ts -verify``; None if OK."""
    proc = subprocess.run(
        ["openssl", "ts", "-verify", "-in", str(tsr), "-data", str(data), "-CAfile", str(tsa_ca)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if proc.returncode == 0 and "Verification: OK" in proc.stdout:
        return None
    lines = (proc.stdout + proc.stderr).strip().splitlines()
    return lines[-1] if lines else f"openssl exit {proc.returncode}"


def verify_store(
    root: Path, store: ArtifactStore, public_key_pem: bytes, tsa_ca: Path | None = None
) -> VerifyReport:
    root = Path(root)
    report = VerifyReport()
    public_key = load_public_key(public_key_pem)
    fingerprint = key_fingerprint(public_key)
    entries = _check_chain(Ledger(root), report)
    manifest_dir = root / "manifests"
    seen: set[str] = set()
    for entry in entries:
        uid = entry.capture_uid
        seen.add(uid)
        path = manifest_dir / f"{uid}.json"
        subject = f"manifest {uid} (ledger entry {entry.index})"
        if "/" in uid or not path.is_file():
            report.add(subject, f"missing: {path} was deleted", uid)
            continue
        raw = path.read_bytes()
        if hashlib.sha256(raw).hexdigest() != entry.manifest_sha256:
            report.add(subject, "edited after signing: its SHA-256 differs from the ledger's", uid)
        sig_path = path.with_suffix(".json.sig")
        if not sig_path.is_file():
            report.add(subject, f"signature missing: {sig_path}", uid)
        elif not verify_signature(public_key, sig_path.read_bytes(), raw):
            report.add(
                subject,
                "signature invalid: manifest or signature changed, or signed by another key",
                uid,
            )
        tsr_path = path.with_suffix(".json.tsr")
        if tsr_path.is_file():
            try:
                parse_response(tsr_path.read_bytes(), hashlib.sha256(raw).digest(), None)
                failure = check_timestamp_with_openssl(tsr_path, path, tsa_ca) if tsa_ca else None
                if failure:
                    report.add(
                        subject,
                        f"trusted timestamp does not verify against the TSA CA: {failure}",
                        uid,
                    )
                else:
                    report.timestamps += 1
            except TimestampError as exc:
                report.add(subject, f"trusted timestamp invalid: {exc}", uid)
        try:
            manifest = Manifest.from_bytes(raw, origin=str(path))
        except EvidenceError as exc:
            report.add(subject, f"unreadable: {exc}", uid)
            continue
        if manifest.capture_uid != uid:
            report.add(subject, f"names capture {manifest.capture_uid}, not {uid}", uid)
        if manifest.signer.public_key_sha256 != fingerprint:
            report.notes.append(
                f"capture {uid} was signed by key {manifest.signer.public_key_sha256[:16]}…, not the key checked against"
            )
        report.captures += 1
        _check_artifacts(manifest, store, report)
    if manifest_dir.is_dir():
        for path in sorted(manifest_dir.glob("*.json")):
            uid = path.name.removesuffix(".json")
            if uid not in seen:
                report.add(
                    f"manifest {uid}",
                    "not in the ledger: its ledger entry was removed (or never written)",
                    uid,
                )
    return report
