"""``EvidenceVault``: the one entry point the crawler and the takedown re-check call.

Layout under ``root`` (``settings.resolved_evidence_dir``)::

    artifacts/ab/cd/<sha256>        content-addressed, read-only
    manifests/<capture_uid>.json    canonical JSON, read-only
    manifests/<capture_uid>.json.sig  raw Ed25519 signature over the .json bytes
    manifests/<capture_uid>.json.tsr  RFC 3161 timestamp reply over the .json bytes (optional)
    ledger.jsonl                    hash chain over the manifests
    public_key.pem                  copy of the signer's public key (for packages)

A capture is recorded completely or not at all from the ledger's point of view:
artifacts first (idempotent, content-addressed), then the manifest and its
signature, then the ledger entry, the last two under the ledger lock.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from evidence.canonical import parse_utc, utc_iso
from evidence.errors import EvidenceError, UnknownCapture
from evidence.isolation import isolation_of
from evidence.ledger import GENESIS, Ledger
from evidence.manifest import ArtifactRef, ChainRef, Manifest, RedirectRef, SignerRef
from evidence.result import CaptureResult
from evidence.signing import Signer
from evidence.store import ArtifactStore, LocalArtifactStore, sha256_hex, write_once
from evidence.timestamp import TimestampError, request_timestamp
from evidence.timing import StepTimer
from evidence.verify import CaptureAnchor, VerifyReport, verify_store

log = logging.getLogger(__name__)

MANIFEST_DIR = "manifests"


@dataclass(frozen=True)
class StoredCapture:
    """What the caller keeps (the crawler writes it to EvidenceCapture/EvidenceArtifact rows)."""

    capture_uid: str
    manifest_sha256: str
    ledger_index: int
    listing_ref: str
    run_ref: str | None
    url: str
    final_url: str
    http_status: int
    captured_at: datetime
    screenshot_sha256: str | None
    artifacts: tuple[ArtifactRef, ...]
    timestamp_time: datetime | None = None
    timestamp_error: str | None = None
    ledger_entry_hash: str | None = None
    reason: str = "flagged"
    timings_ms: dict[str, float] = field(default_factory=dict)
    """Milliseconds per step: the capture's (navigate ... warc), then hash, sign, ledger."""
    isolation: str = "fresh"
    """The browser profile's isolation mode, as the manifest states it (``evidence.isolation``)."""

    @property
    def artifact_rows(self) -> list[tuple[str, str, int, str]]:
        """``(kind, sha256, size, media_type)`` per artifact."""
        return [(a.kind, a.sha256, a.size, a.media_type) for a in self.artifacts]


def new_capture_uid(moment: datetime) -> str:
    """Sortable by time, unique: ``20261126T144102Z-<12 hex>``."""
    return f"{moment.strftime('%Y%m%dT%H%M%SZ')}-{uuid.uuid4().hex[:12]}"


def _vault_timings(
    capture: dict[str, float], vault: dict[str, float], stamped: bool
) -> dict[str, float]:
    """The capture's steps, then the vault's; ``ledger_wait`` is the time queued for the lock
    (it includes signing and appending, which are reported on their own)."""
    steps = dict(capture)
    wait = vault["ledger_wait"] - vault["sign"] - vault["ledger"]
    steps.update(hash=vault["hash"], ledger_wait=round(max(0.0, wait), 3))
    steps.update(sign=vault["sign"], ledger=vault["ledger"])
    if stamped:
        steps["timestamp"] = vault["timestamp"]
    return steps


class EvidenceVault:
    def __init__(
        self,
        root: Path,
        key_dir: Path,
        operator: str,
        artifact_store: ArtifactStore | None = None,
        tsa_url: str | None = None,
        tsa_timeout_s: float = 15.0,
    ) -> None:
        self.root = Path(root)
        self.key_dir = Path(key_dir)
        self.operator = operator
        self.artifacts = artifact_store or LocalArtifactStore(self.root)
        self.ledger = Ledger(self.root)
        self._signer: Signer | None = None
        self._signer_lock = threading.Lock()
        self.tsa_url = tsa_url
        self.tsa_timeout_s = tsa_timeout_s

    @property
    def signer(self) -> Signer:
        with self._signer_lock:
            if self._signer is None:
                self._signer = Signer(self.key_dir)
            return self._signer

    @property
    def manifest_dir(self) -> Path:
        return self.root / MANIFEST_DIR

    def manifest_path(self, capture_uid: str) -> Path:
        return self.manifest_dir / f"{capture_uid}.json"

    def record(
        self,
        result: CaptureResult,
        listing_ref: str,
        run_ref: str | None = None,
        reason: str = "flagged",
    ) -> StoredCapture:
        """Store a capture's artifacts, sign its manifest and append it to the ledger.

        Recording the same listing again makes a new capture beside the old one.
        """
        signer = self.signer
        timer = StepTimer()
        with timer.step("hash"):
            refs = tuple(
                ArtifactRef(
                    kind=a.kind,
                    sha256=self.artifacts.put(a.data),
                    size=len(a.data),
                    media_type=a.media_type,
                )
                for a in result.artifacts
            )
        uid = new_capture_uid(result.captured_at)
        self._ensure_public_key_copy()
        # The chain position is read, signed over and appended under one lock, so
        # concurrent recorders (threads or processes) cannot interleave or fork the chain.
        with timer.step("ledger_wait"), self.ledger.locked():
            with timer.step("sign"):
                head = self.ledger.head()
                chain = ChainRef(
                    index=0 if head is None else head.index + 1,
                    prev_hash=GENESIS if head is None else head.entry_hash,
                )
                manifest = self._manifest(result, uid, listing_ref, run_ref, reason, refs, chain)
                raw = manifest.canonical_bytes()
                digest = sha256_hex(raw)
                write_once(self.manifest_path(uid), raw)
                write_once(self.manifest_path(uid).with_suffix(".json.sig"), signer.sign(raw))
            with timer.step("ledger"):
                entry = self.ledger.append_unlocked(uid, digest)
        with timer.step("timestamp"):
            stamp_time, stamp_error = self._timestamp(uid, raw)
        shot = manifest.artifact("screenshot")
        return StoredCapture(
            capture_uid=uid,
            manifest_sha256=digest,
            ledger_index=entry.index,
            listing_ref=listing_ref,
            run_ref=run_ref,
            url=result.url,
            final_url=result.final_url,
            http_status=result.http_status,
            captured_at=result.captured_at,
            screenshot_sha256=shot.sha256 if shot else None,
            artifacts=refs,
            timestamp_time=stamp_time,
            timestamp_error=stamp_error,
            ledger_entry_hash=entry.entry_hash,
            reason=reason,
            timings_ms=_vault_timings(result.timings_ms, timer.ms, bool(self.tsa_url)),
            isolation=isolation_of(result.environment),
        )

    def _manifest(
        self,
        result: CaptureResult,
        uid: str,
        listing_ref: str,
        run_ref: str | None,
        reason: str,
        refs: tuple[ArtifactRef, ...],
        chain: ChainRef,
    ) -> Manifest:
        return Manifest(
            capture_uid=uid,
            listing_ref=listing_ref,
            run_ref=run_ref,
            reason=reason,
            url=result.url,
            final_url=result.final_url,
            http_status=result.http_status,
            server_ip=result.server_ip,
            server_port=result.server_port,
            redirect_chain=[
                RedirectRef(url=r.url, status=r.status, location=r.location)
                for r in result.redirects
            ],
            started_at=utc_iso(result.started_at),
            captured_at=utc_iso(result.captured_at),
            clock=result.clock.as_dict(),
            environment=result.environment,
            operator=self.operator,
            notes=list(result.notes),
            artifacts=list(refs),
            signer=SignerRef(public_key_sha256=self.signer.fingerprint),
            chain=chain,
        )

    def _timestamp(self, uid: str, raw: bytes) -> tuple[datetime | None, str | None]:
        """Ask the configured TSA to timestamp the manifest; a failure is reported, not fatal.

        The capture is already signed and chained; a missing timestamp weakens it
        but must not lose it.
        """
        if not self.tsa_url:
            return None, None
        try:
            token = request_timestamp(self.tsa_url, raw, self.tsa_timeout_s)
        except TimestampError as exc:
            log.warning("capture %s recorded without a trusted timestamp: %s", uid, exc)
            return None, str(exc)
        write_once(self.manifest_path(uid).with_suffix(".json.tsr"), token.response)
        return token.gen_time, None

    def _ensure_public_key_copy(self) -> None:
        path = self.root / "public_key.pem"
        pem = self.signer.public_pem()
        if not path.exists() or path.read_bytes() != pem:
            self.root.mkdir(parents=True, exist_ok=True)
            path.write_bytes(pem)

    def manifest_bytes(self, capture_uid: str) -> bytes:
        path = self.manifest_path(capture_uid)
        if "/" in capture_uid or not path.is_file():
            raise UnknownCapture(capture_uid)
        return path.read_bytes()

    def signature_bytes(self, capture_uid: str) -> bytes:
        return self.manifest_path(capture_uid).with_suffix(".json.sig").read_bytes()

    def timestamp_bytes(self, capture_uid: str) -> bytes | None:
        path = self.manifest_path(capture_uid).with_suffix(".json.tsr")
        return path.read_bytes() if path.is_file() else None

    def manifest(self, capture_uid: str) -> Manifest:
        return Manifest.from_bytes(
            self.manifest_bytes(capture_uid), origin=str(self.manifest_path(capture_uid))
        )

    def unrecorded(self, known: set[str], manual_reason: str = "manual") -> list[StoredCapture]:
        """Signed, chained captures whose uid is not in ``known`` (the database's), oldest
        first, as the ``StoredCapture`` ``record`` returned for them: what a crawl killed
        between recording a capture and committing its row leaves behind.  Manual captures
        (no listing to belong to) and unreadable manifests (verify's business) are left out."""
        found: list[StoredCapture] = []
        for entry in self.ledger.entries():
            if entry.capture_uid in known:
                continue
            try:
                raw = self.manifest_bytes(entry.capture_uid)
                manifest = Manifest.from_bytes(raw)
            except (EvidenceError, OSError):  # noqa: S112 - verify reports unreadable ones
                continue
            if manifest.reason == manual_reason or sha256_hex(raw) != entry.manifest_sha256:
                continue
            shot = manifest.artifact("screenshot")
            found.append(
                StoredCapture(
                    capture_uid=manifest.capture_uid,
                    manifest_sha256=entry.manifest_sha256,
                    ledger_index=entry.index,
                    listing_ref=manifest.listing_ref,
                    run_ref=manifest.run_ref,
                    url=manifest.url,
                    final_url=manifest.final_url,
                    http_status=manifest.http_status,
                    captured_at=parse_utc(manifest.captured_at),
                    screenshot_sha256=shot.sha256 if shot else None,
                    artifacts=tuple(manifest.artifacts),
                    ledger_entry_hash=entry.entry_hash,
                    reason=manifest.reason,
                    isolation=isolation_of(manifest.environment),
                )
            )
        return found

    def iter_manifests(self) -> Iterator[Manifest]:
        """Every readable manifest in ledger order (unreadable ones are verify's business)."""
        for entry in self.ledger.entries():
            try:
                yield self.manifest(entry.capture_uid)
            except (EvidenceError, OSError):  # noqa: S112 - listing skips what verify reports
                continue

    def captures_for_listing(self, listing_ref: str) -> list[Manifest]:
        """All captures of one listing, oldest first (recaptures sit beside the first one)."""
        return sorted(
            (m for m in self.iter_manifests() if m.listing_ref == listing_ref),
            key=lambda m: parse_utc(m.captured_at),
        )

    def verify(
        self,
        public_key_pem: bytes | None = None,
        tsa_ca: Path | None = None,
        anchors: Sequence[CaptureAnchor] | None = None,
    ) -> VerifyReport:
        """Check every artifact, manifest signature and the ledger chain.

        The public key defaults to the deployment's own (from ``key_dir``), never to
        the copy inside the store, which an attacker could replace along with the data.
        With ``tsa_ca`` each trusted timestamp is also checked with ``openssl ts -verify``;
        with ``anchors`` (the database's capture rows) the store is cross-checked against them.
        """
        pem = public_key_pem if public_key_pem is not None else self.signer.public_pem()
        return verify_store(self.root, self.artifacts, pem, tsa_ca, anchors)
