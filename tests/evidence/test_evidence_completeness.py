"""Evidence completeness: losing the newest capture, or rewriting the chain, is noticed.

The files alone cannot show that their newest part is gone, so the database
anchors the ledger (index and entry hash per capture row, in a table that
refuses deletes) and every signed manifest names the head before it.  These
tests store captures the way the crawler does (vault first, then the rows),
then remove or rewrite evidence and expect ``lantian evidence verify`` to fail
naming the capture (SQLite and PostgreSQL).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from evhelpers import make_result
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from evidence.canonical import canonical_json
from evidence.ledger import GENESIS, entry_hash
from evidence.vault import EvidenceVault, StoredCapture
from lantian.commands.evidence import app
from lantian.config import Settings, get_settings, load_settings
from store.db import make_engine, make_sessionmaker, session_scope, upgrade
from store.evidence import add_capture, capture_anchors
from store.listings import Observation, record_observation

runner = CliRunner()


def verify_cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["verify", *args])
    return result.exit_code, result.stdout, " ".join(result.stderr.split())


class Anchored:
    """A vault whose captures are also rows in a migrated database, as the crawler leaves them."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.vault = EvidenceVault(
            settings.resolved_evidence_dir, settings.resolved_key_dir, "tester"
        )
        self.engine = make_engine(settings.resolved_database_url)
        upgrade(self.engine)
        self.sessions = make_sessionmaker(self.engine)
        self.stored: list[StoredCapture] = []

    def capture(self, seq: int, reason: str = "flagged", in_db: bool = True) -> StoredCapture:
        url = f"https://shop.example.cn/item/{seq}"
        stored = self.vault.record(make_result(url=url, seq=seq), f"L-{seq}", None, reason)
        if in_db:
            with session_scope(self.sessions) as session:
                listing = record_observation(
                    session,
                    Observation(
                        platform_key="market",
                        canonical_url=url,
                        url=url,
                        title="标题",
                        text="专利包授权",
                        fetched_at=datetime(2026, 11, 26, tzinfo=UTC),
                    ),
                ).listing
                add_capture(session, listing.id, None, stored, reason)
        self.stored.append(stored)
        return stored

    def remove_newest(self) -> str:
        """Delete the last ledger line with that capture's manifest and signature."""
        ledger = self.vault.ledger.path
        lines = ledger.read_bytes().splitlines(keepends=True)
        uid = str(json.loads(lines[-1])["capture_uid"])
        ledger.write_bytes(b"".join(lines[:-1]))
        manifest = self.vault.manifest_path(uid)
        manifest.unlink()
        manifest.with_suffix(".json.sig").unlink()
        return uid


@pytest.fixture
def anchored(
    settings: Settings, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Anchored]:
    monkeypatch.setenv("LANTIAN_DATABASE_URL", database_url)
    get_settings.cache_clear()
    store = Anchored(load_settings())
    for seq in (1, 2, 3):
        store.capture(seq)
    yield store
    store.engine.dispose()


def test_rows_anchor_the_ledger_head(anchored: Anchored) -> None:
    with anchored.sessions() as session:
        anchors = capture_anchors(session)
    entries = anchored.vault.ledger.entries()
    assert [(a.capture_uid, a.ledger_index, a.ledger_entry_hash) for a in anchors] == [
        (e.capture_uid, e.index, e.entry_hash) for e in entries
    ]
    code, out, err = verify_cli()
    assert code == 0, out
    assert "3 database row(s)" in err


def test_removed_newest_capture_fails_verify(anchored: Anchored) -> None:
    uid = anchored.remove_newest()
    assert anchored.vault.verify().ok  # the files alone cannot tell: why the database anchors
    for args in ((), ("--store", str(anchored.vault.root))):
        code, out, _ = verify_cli(*args)
        assert code == 1, args
        assert (
            f"capture {uid} (ledger entry 2, in the database): missing tail entry: "
            "the ledger ends at entry 1; its manifest and signature are gone too"
        ) in out
        assert f"ledger: truncated: the database anchors the head at entry 2 (capture {uid})" in out
    code, out, _ = verify_cli("--json")
    report = json.loads(out)
    assert code == 1 and report["database_rows"] == 3
    assert any(uid in p["subject"] and "missing tail entry" in p["how"] for p in report["problems"])


def test_removed_capture_in_the_middle_is_a_gap(anchored: Anchored) -> None:
    """Drop entry 1 and rewrite the ledger so its chain is valid again."""
    entries = anchored.vault.ledger.entries()
    gone = entries[1].capture_uid
    anchored.vault.manifest_path(gone).unlink()
    anchored.vault.manifest_path(gone).with_suffix(".json.sig").unlink()
    prev, lines = GENESIS, []
    for index, entry in enumerate(e for e in entries if e.capture_uid != gone):
        body = {**entry.body(), "index": index, "prev_hash": prev}
        prev = entry_hash(body)
        lines.append(canonical_json({**body, "entry_hash": prev}) + b"\n")
    anchored.vault.ledger.path.write_bytes(b"".join(lines))
    code, out, _ = verify_cli()
    assert code == 1
    assert f"capture {gone} (ledger entry 1, in the database): missing from the ledger" in out
    # without the database the signed chain positions still give the rewrite away
    code, out, _ = verify_cli("--no-db")
    survivor = entries[2].capture_uid
    assert code == 1
    assert f"manifest {survivor} (ledger entry 1): signed as ledger entry 2" in out
    assert "the ledger was rewritten" in out


def test_orphans_both_ways(anchored: Anchored) -> None:
    flagged = anchored.capture(4, in_db=False)
    manual = anchored.capture(5, reason="manual", in_db=False)
    code, out, _ = verify_cli()
    assert code == 1
    assert f"capture {flagged.capture_uid} (ledger entry 3): orphan: a flagged capture" in out
    assert manual.capture_uid not in out  # manual captures have no listing row to belong to
    assert out.count("FAIL") == 1
    # a signature left behind by a removed capture is an orphan file
    anchored.remove_newest()
    anchored.vault.manifest_path(manual.capture_uid).with_suffix(".json.sig").write_bytes(b"x")
    code, out, _ = verify_cli("--no-db")
    assert code == 1
    assert f"signature {manual.capture_uid}.json.sig: orphan" in out


def test_no_database_is_a_note_not_a_pass_of_the_cross_check(
    settings: Settings, tmp_path: Path
) -> None:
    vault = EvidenceVault(settings.resolved_evidence_dir, settings.resolved_key_dir, "tester")
    vault.record(make_result(seq=1), "L-1")
    code, _, err = verify_cli()
    assert code == 0
    assert "not cross-checked" in err


def test_unreadable_database_is_bad_configuration(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = EvidenceVault(settings.resolved_evidence_dir, settings.resolved_key_dir, "tester")
    vault.record(make_result(seq=1), "L-1")
    monkeypatch.setenv("LANTIAN_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    get_settings.cache_clear()
    code, _, err = verify_cli()
    assert code == 2
    assert "database_url" in err


def test_capture_rows_still_refuse_deletes(anchored: Anchored) -> None:
    """The anchor column's migration keeps 0002's append-only trigger."""
    with pytest.raises(DBAPIError), anchored.engine.begin() as conn:
        conn.execute(text("DELETE FROM evidence_captures"))


def test_stray_artifact_is_a_note(settings: Settings) -> None:
    """Artifacts are written before their manifest: one left by a crash is noted, not failed."""
    vault = EvidenceVault(settings.resolved_evidence_dir, settings.resolved_key_dir, "tester")
    vault.record(make_result(seq=1), "L-1")
    vault.artifacts.put(b"written before a crash, never named by a manifest")
    report = vault.verify()
    assert report.ok
    assert report.notes == ["1 artifact file(s) are named by no manifest"]
