"""Check an evidence store: artifacts against manifests, signatures, the ledger chain.

Every problem is reported with the artifact or entry it concerns and how it
fails; nothing stops at the first problem.

The files alone cannot show that their newest part is gone: removing the last
ledger lines with their manifests and signatures leaves a valid shorter chain.
So the caller may pass what the database recorded of each capture
(:class:`CaptureAnchor`, written in the same transaction as the capture row,
in a table that refuses deletes); the check then runs both ways: every
capture the database knows must be in the ledger with the same index and
hashes, and every ledger entry must be in the database unless it was a manual
capture, which has no listing to belong to.
"""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Sequence
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


@dataclass(frozen=True)
class CaptureAnchor:
    """What the database recorded of one capture when it was stored."""

    capture_uid: str
    ledger_index: int | None
    manifest_sha256: str
    ledger_entry_hash: str | None


MANUAL_REASON = "manual"


@dataclass
class VerifyReport:
    captures: int = 0
    artifacts_checked: int = 0
    ledger_entries: int = 0
    timestamps: int = 0
    database_rows: int | None = None
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
    root: Path,
    store: ArtifactStore,
    public_key_pem: bytes,
    tsa_ca: Path | None = None,
    anchors: Sequence[CaptureAnchor] | None = None,
) -> VerifyReport:
    """Check the files; with ``anchors`` (the database's rows) cross-check both ways."""
    root = Path(root)
    report = VerifyReport()
    public_key = load_public_key(public_key_pem)
    fingerprint = key_fingerprint(public_key)
    entries = _check_chain(Ledger(root), report)
    manifest_dir = root / "manifests"
    seen: set[str] = set()
    reasons: dict[str, str] = {}
    referenced: set[str] = set()
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
        _check_timestamp(path, raw, tsa_ca, subject, uid, report)
        try:
            manifest = Manifest.from_bytes(raw, origin=str(path))
        except EvidenceError as exc:
            report.add(subject, f"unreadable: {exc}", uid)
            continue
        if manifest.capture_uid != uid:
            report.add(subject, f"names capture {manifest.capture_uid}, not {uid}", uid)
        reasons[uid] = manifest.reason
        referenced.update(a.sha256 for a in manifest.artifacts)
        chain = manifest.chain
        if chain is not None and (chain.index, chain.prev_hash) != (entry.index, entry.prev_hash):
            report.add(
                subject,
                f"signed as ledger entry {chain.index} after head {chain.prev_hash[:16]}…, "
                f"but the ledger has it as entry {entry.index} after {entry.prev_hash[:16]}…: "
                "the ledger was rewritten",
                uid,
            )
        if manifest.signer.public_key_sha256 != fingerprint:
            report.notes.append(
                f"capture {uid} was signed by key {manifest.signer.public_key_sha256[:16]}…, not the key checked against"
            )
        report.captures += 1
        _check_artifacts(manifest, store, report)
    _check_orphan_files(manifest_dir, seen, report)
    _note_orphan_artifacts(store, referenced, report)
    if anchors is not None:
        _cross_check_database(entries, anchors, reasons, manifest_dir, report)
    return report


def _check_timestamp(
    path: Path, raw: bytes, tsa_ca: Path | None, subject: str, uid: str, report: VerifyReport
) -> None:
    """The manifest's trusted timestamp (``.json.tsr``), when it has one."""
    tsr_path = path.with_suffix(".json.tsr")
    if not tsr_path.is_file():
        return
    try:
        parse_response(tsr_path.read_bytes(), hashlib.sha256(raw).digest(), None)
        failure = check_timestamp_with_openssl(tsr_path, path, tsa_ca) if tsa_ca else None
        if failure:
            report.add(
                subject, f"trusted timestamp does not verify against the TSA CA: {failure}", uid
            )
        else:
            report.timestamps += 1
    except TimestampError as exc:
        report.add(subject, f"trusted timestamp invalid: {exc}", uid)


def _check_orphan_files(manifest_dir: Path, seen: set[str], report: VerifyReport) -> None:
    """Manifests, signatures and timestamps that no ledger entry accounts for."""
    if not manifest_dir.is_dir():
        return
    for path in sorted(manifest_dir.glob("*.json")):
        uid = path.name.removesuffix(".json")
        if uid not in seen:
            report.add(
                f"manifest {uid}",
                "not in the ledger: its ledger entry was removed (or never written)",
                uid,
            )
    for suffix, what in ((".json.sig", "signature"), (".json.tsr", "trusted timestamp")):
        for path in sorted(manifest_dir.glob(f"*{suffix}")):
            uid = path.name.removesuffix(suffix)
            if uid not in seen and not (manifest_dir / f"{uid}.json").exists():
                report.add(
                    f"{what} {path.name}",
                    f"orphan: capture {uid} has neither a manifest nor a ledger entry (both removed)",
                    uid,
                )


def _note_orphan_artifacts(
    store: ArtifactStore, referenced: set[str], report: VerifyReport
) -> None:
    """Artifact files no manifest names: a capture interrupted before its manifest, or a removed one.

    A note, not a problem: artifacts are written first, so a crash leaves some
    behind legitimately; a removed capture is caught by its ledger entry or row.
    ``referenced`` holds the artifacts of the manifests the ledger accounts for.
    """
    try:
        stray = sum(1 for sha in store.iter() if sha not in referenced)
    except (OSError, EvidenceError, NotImplementedError):
        return
    if stray:
        report.notes.append(f"{stray} artifact file(s) are named by no manifest")


def _cross_check_database(
    entries: list[LedgerEntry],
    anchors: Sequence[CaptureAnchor],
    reasons: dict[str, str],
    manifest_dir: Path,
    report: VerifyReport,
) -> None:
    """Database rows against the ledger and back: missing tail entries, gaps, orphans."""
    report.database_rows = len(anchors)
    by_uid = {e.capture_uid: e for e in entries}
    last = entries[-1].index if entries else -1
    for anchor in sorted(anchors, key=lambda a: -1 if a.ledger_index is None else a.ledger_index):
        uid = anchor.capture_uid
        where = f"capture {uid}" + (
            f" (ledger entry {anchor.ledger_index}, in the database)"
            if anchor.ledger_index is not None
            else " (in the database)"
        )
        entry = by_uid.get(uid)
        if entry is None:
            files = (
                "its manifest is still on disk"
                if (manifest_dir / f"{uid}.json").is_file()
                else "its manifest and signature are gone too"
            )
            if anchor.ledger_index is not None and anchor.ledger_index > last:
                how = f"missing tail entry: the ledger ends at entry {last}; {files}"
            else:
                how = f"missing from the ledger (a gap in the chain); {files}"
            report.add(where, how, uid)
            continue
        if anchor.ledger_index is not None and anchor.ledger_index != entry.index:
            report.add(where, f"the ledger has it as entry {entry.index}", uid)
        if anchor.manifest_sha256 != entry.manifest_sha256:
            report.add(where, "manifest hash differs between the database and the ledger", uid)
        if anchor.ledger_entry_hash and anchor.ledger_entry_hash != entry.entry_hash:
            report.add(
                where,
                "ledger entry hash differs from the one the database anchored: the ledger was rewritten",
                uid,
            )
    indexed = [a for a in anchors if a.ledger_index is not None]
    head = max(indexed, key=lambda a: a.ledger_index or 0, default=None)
    if head is not None and head.ledger_index is not None and head.ledger_index > last:
        report.add(
            "ledger",
            f"truncated: the database anchors the head at entry {head.ledger_index} "
            f"(capture {head.capture_uid}) but the ledger ends at entry {last}",
        )
    known = {a.capture_uid for a in anchors}
    for entry in entries:
        reason = reasons.get(entry.capture_uid)
        if entry.capture_uid not in known and reason is not None and reason != MANUAL_REASON:
            report.add(
                f"capture {entry.capture_uid} (ledger entry {entry.index})",
                f"orphan: a {reason} capture in the ledger with no row in the database "
                "(recorded but never stored, e.g. a crawl killed in between: `lantian evidence "
                "adopt` gives it its row; or checked against another database)",
                entry.capture_uid,
            )
