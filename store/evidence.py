"""Evidence capture rows: written beside the vault's files, read back to cross-check them.

The row is the database's anchor of the ledger: ``ledger_index`` and
``ledger_entry_hash`` are written in the same transaction as the capture (and
the table refuses deletes), so removing the newest ledger lines together with
their manifests and signatures no longer goes unnoticed by ``evidence verify``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from evidence import MANUAL_REASON, CaptureAnchor, StoredCapture
from store.models import CampaignRun, EvidenceArtifact, EvidenceCapture, Listing

_RUN_REF = re.compile(r"^run-(\d+)$")


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
        timings_ms=getattr(stored, "timings_ms", None) or None,
        isolation=getattr(stored, "isolation", None),
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


class _Vault(Protocol):
    def unrecorded(self, known: set[str], manual_reason: str = ...) -> list[Any]: ...


@dataclass
class Adoption:
    """What :func:`adopt_unrecorded` did with the vault's captures that had no row."""

    adopted: list[str] = field(default_factory=list)
    """capture uids given their row (their listing was stored)"""
    pending: dict[str, Any] = field(default_factory=dict)
    """listing_ref (canonical URL) -> StoredCapture whose listing is not stored (yet)"""


def adopt_unrecorded(session: Session, vault: _Vault) -> Adoption:
    """Give each signed capture the database lacks a row, when its listing is stored.

    A crawl killed after the vault recorded a capture but before the store stage
    committed its row leaves a signed, chained capture with no row (``evidence verify``
    names it an orphan).  Its manifest names the listing (``listing_ref``, the canonical
    URL) and the run; when that listing is in the database the row is written now, as the
    store stage would have.  Captures whose listing was never stored are returned as
    ``pending``: the next crawl that stores the listing uses that capture instead of taking
    a new one (``crawler.pipelines.capture``), and until then verify keeps naming them.
    Running it again adopts nothing twice (capture uids are unique).
    """
    known = set(session.scalars(select(EvidenceCapture.capture_uid)))
    result = Adoption()
    for stored in vault.unrecorded(known, MANUAL_REASON):
        listing_id = session.scalar(
            select(Listing.id).where(Listing.canonical_url == stored.listing_ref)
        )
        if listing_id is None:
            result.pending.setdefault(stored.listing_ref, stored)
            continue
        run_id = None
        match = _RUN_REF.match(stored.run_ref or "")
        if match and session.get(CampaignRun, int(match.group(1))) is not None:
            run_id = int(match.group(1))
        add_capture(session, listing_id, run_id, stored, reason=stored.reason)
        result.adopted.append(stored.capture_uid)
    session.flush()
    return result
