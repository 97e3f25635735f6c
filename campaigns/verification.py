"""Periodic re-verification of the evidence store, recorded where reviewers see it.

The scheduler's verify job calls :func:`reverify_evidence`: the vault checks
every artifact, manifest signature and the ledger chain; each
``EvidenceCapture`` row gets ``verified_at`` and ``verified_ok`` (false when a
problem names its capture, or the ledger itself is broken), and the audit log
gets one entry with the totals and the first problems.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import update

from campaigns.config import CampaignSettings
from store import EvidenceCapture, utcnow
from store.audit import record

log = logging.getLogger(__name__)

MAX_PROBLEMS_RECORDED = 50


@dataclass(frozen=True)
class Reverification:
    ok: bool
    captures: int
    artifacts_checked: int
    failed_captures: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def reverify_evidence(settings: CampaignSettings) -> Reverification | None:
    """Verify the store and record the outcome; None when nothing was ever captured."""
    from campaigns.record import unit_of_work

    root = settings.resolved_evidence_dir
    if not (root / "ledger.jsonl").exists() and not (root / "manifests").is_dir():
        log.info("evidence re-verification: nothing captured yet under %s", root)
        return None
    from evidence import open_vault
    from store import capture_anchors

    vault = open_vault(settings, root)
    with unit_of_work(settings) as session:
        anchors = capture_anchors(session)
    report = vault.verify(anchors=anchors)
    problems = [str(p) for p in report.problems]
    uids: set[str] = set()
    with unit_of_work(settings) as session:
        uids = {uid for (uid,) in session.query(EvidenceCapture.capture_uid)}
        failed = sorted(uid for uid in uids if any(uid in p for p in problems))
        chain_broken = any(p.startswith("ledger") for p in problems)
        now = utcnow()
        session.execute(
            update(EvidenceCapture).values(verified_at=now, verified_ok=not chain_broken)
        )
        if failed:
            session.execute(
                update(EvidenceCapture)
                .where(EvidenceCapture.capture_uid.in_(failed))
                .values(verified_ok=False)
            )
        record(
            session,
            "system:scheduler",
            "evidence_reverified",
            "evidence_store",
            str(root),
            ok=report.ok,
            captures=report.captures,
            artifacts_checked=report.artifacts_checked,
            failed_captures=failed[:MAX_PROBLEMS_RECORDED],
            problems=problems[:MAX_PROBLEMS_RECORDED],
        )
    if report.ok:
        log.info(
            "evidence re-verified: %d captures, %d artifacts, all intact",
            report.captures,
            report.artifacts_checked,
        )
    else:
        log.error(
            "evidence re-verification found %d problems, e.g. %s", len(problems), problems[:3]
        )
    return Reverification(
        ok=report.ok,
        captures=report.captures,
        artifacts_checked=report.artifacts_checked,
        failed_captures=failed,
        problems=problems,
    )
