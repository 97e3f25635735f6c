"""Evidence capture rows: written beside the vault's files, read back to cross-check them.

The row is the database's anchor of the ledger: ``ledger_index`` and
``ledger_entry_hash`` are written in the same transaction as the capture (and
the table refuses deletes), so removing the newest ledger lines together with
their manifests and signatures no longer goes unnoticed by ``evidence verify``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from evidence.verify import CaptureAnchor
from store.models import EvidenceArtifact, EvidenceCapture


def add_capture(
    session: Session,
    listing_id: int,
    run_id: int | None,
    stored: Any,
    reason: str = "flagged",
) -> EvidenceCapture:
    """Rows for an ``evidence.vault.StoredCapture`` (its files are already in the vault)."""
    capture = EvidenceCapture(
        listing_id=listing_id,
        run_id=run_id,
        capture_uid=stored.capture_uid,
        manifest_sha256=stored.manifest_sha256,
        ledger_index=getattr(stored, "ledger_index", None),
        ledger_entry_hash=getattr(stored, "ledger_entry_hash", None),
        url=stored.url,
        final_url=getattr(stored, "final_url", None),
        http_status=getattr(stored, "http_status", None),
        captured_at=stored.captured_at,
        screenshot_sha256=getattr(stored, "screenshot_sha256", None),
        reason=reason,
        timings_ms=getattr(stored, "timings_ms", None) or None,
    )
    session.add(capture)
    session.flush()
    rows = stored.artifact_rows
    for kind, sha256, size, media_type in rows() if callable(rows) else rows:
        session.add(
            EvidenceArtifact(
                capture_id=capture.id, kind=kind, sha256=sha256, size=size, media_type=media_type
            )
        )
    return capture


def capture_anchors(session: Session) -> list[CaptureAnchor]:
    """What the database knows of every capture, for :func:`evidence.verify.verify_store`."""
    rows = session.execute(
        select(
            EvidenceCapture.capture_uid,
            EvidenceCapture.ledger_index,
            EvidenceCapture.manifest_sha256,
            EvidenceCapture.ledger_entry_hash,
        ).order_by(EvidenceCapture.id)
    )
    return [CaptureAnchor(uid, index, sha, entry) for uid, index, sha, entry in rows]
