"""The scheduler's system jobs on a real store: evidence re-verification and takedown re-checks."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns import scheduler
from campaigns.record import unit_of_work
from campaigns.supervisor import dispose_engines
from campaigns.verification import reverify_evidence
from evidence.result import Artifact, CaptureResult, ClockInfo
from evidence.vault import EvidenceVault
from lantian.config import Settings
from store.db import upgrade_url
from store.listings import Observation, record_observation
from store.models import AuditEntry, EvidenceCapture, utcnow
from takedown import recheck_due


@pytest.fixture
def job_settings(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    upgrade_url(settings.resolved_database_url)
    monkeypatch.setattr(scheduler, "_settings", settings)
    monkeypatch.setattr(scheduler, "_recheck", functools.partial(recheck_due, settings=settings))
    yield settings
    dispose_engines()


def _capture(settings: Settings, session: Session, n: int) -> EvidenceCapture:
    vault = EvidenceVault(
        settings.resolved_evidence_dir, settings.resolved_key_dir, settings.operator
    )
    moment = utcnow()
    result = CaptureResult(
        url=f"http://market.test/item/{n}",
        final_url=f"http://market.test/item/{n}",
        http_status=200,
        server_ip="127.0.0.1",
        server_port=80,
        redirects=(),
        started_at=moment - timedelta(seconds=1),
        captured_at=moment,
        clock=ClockInfo("system", None, "test"),
        environment={"browser": "none"},
        artifacts=(
            Artifact("body", f"<html>包授权 {n}</html>".encode(), "text/html"),
            Artifact("dom", f"<html><body>包授权 {n}</body></html>".encode(), "text/html"),
        ),
    )
    listing = record_observation(
        session,
        Observation(
            platform_key="market",
            canonical_url=result.url,
            url=result.url,
            title=f"商品 {n}",
            text="包授权",
        ),
    ).listing
    stored = vault.record(result, listing_ref=str(listing.id))
    row = EvidenceCapture(
        listing_id=listing.id,
        capture_uid=stored.capture_uid,
        manifest_sha256=stored.manifest_sha256,
        ledger_index=stored.ledger_index,
        url=stored.url,
        captured_at=stored.captured_at,
    )
    session.add(row)
    session.flush()
    return row


def test_verify_job_records_intact_and_tampered_captures(job_settings: Settings) -> None:
    assert scheduler.verify_job() is None, "nothing captured yet: nothing to verify"
    with unit_of_work(job_settings) as session:
        kept, tampered = _capture(job_settings, session, 1), _capture(job_settings, session, 2)
        kept_uid, tampered_uid = kept.capture_uid, tampered.capture_uid
    first = scheduler.verify_job()
    assert first is not None and first.ok and first.captures == 2

    vault = EvidenceVault(
        job_settings.resolved_evidence_dir, job_settings.resolved_key_dir, job_settings.operator
    )
    body = vault.manifest(tampered_uid).artifact("body")
    assert body is not None
    path = next(Path(job_settings.resolved_evidence_dir).rglob(body.sha256))
    os.chmod(path, 0o644)
    path.write_bytes(b"<html>edited</html>")

    second = reverify_evidence(job_settings)
    assert second is not None and not second.ok and second.failed_captures == [tampered_uid]
    with unit_of_work(job_settings) as session:
        verdicts = dict(
            session.execute(select(EvidenceCapture.capture_uid, EvidenceCapture.verified_ok)).all()
        )
        entries = list(
            session.scalars(select(AuditEntry).where(AuditEntry.action == "evidence_reverified"))
        )
    assert verdicts == {kept_uid: True, tampered_uid: False}
    assert [e.detail["ok"] for e in entries] == [True, False]
    assert any("content changed" in p for p in entries[-1].detail["problems"])


def test_recheck_job_calls_the_takedown_recheck(job_settings: Settings) -> None:
    assert scheduler.recheck_job() == [], "no notice is due on an empty store"
