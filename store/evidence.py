"""Evidence capture rows: written beside the vault's files, read back to cross-check them.

The row is the database's anchor of the ledger: ``ledger_index`` and
``ledger_entry_hash`` are written in the same transaction as the capture (and
the table refuses deletes), so removing the newest ledger lines together with
their manifests and signatures no longer goes unnoticed by ``evidence verify``.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from evidence.vault import StoredCapture
from evidence.verify import CaptureAnchor
from store.models import EvidenceArtifact, EvidenceCapture


def add_capture(
    session: Session,
    listing_id: int,
    run_id: int | None,
    stored: StoredCapture,
    reason: str = "flagged",
) -> EvidenceCapture:
    """Rows for a capture the vault has stored (its files are already in the vault).

    The one writer of capture rows: the crawl's store stage and takedown re-checks call it.
    """
    capture = EvidenceCapture(
        listing_id=listing_id,
        run_id=run_id,
        capture_uid=stored.capture_uid,
        manifest_sha256=stored.manifest_sha256,
        ledger_index=stored.ledger_index,
        ledger_entry_hash=stored.ledger_entry_hash,
        url=stored.url,
        final_url=stored.final_url,
        http_status=stored.http_status,
        captured_at=stored.captured_at,
        screenshot_sha256=stored.screenshot_sha256,
        reason=reason,
    )
    session.add(capture)
    session.flush()
    for kind, sha256, size, media_type in stored.artifact_rows:
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
