"""Hash-chained ledger of manifests (JSON Lines), append-only.

Each line is one entry::

    {"index": 3, "time": "...Z", "capture_uid": "...", "manifest_sha256": "...",
     "prev_hash": "<entry_hash of entry 2>", "entry_hash": "<sha256 of this entry without entry_hash>"}

The first entry's ``prev_hash`` is 64 zeros.  Removing, reordering or editing a
line breaks the chain at that point.  Appends from several processes are
serialised with an exclusive ``flock`` on ``ledger.lock`` beside the file.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from evidence.canonical import canonical_json, utc_iso
from evidence.errors import LedgerError

GENESIS = "0" * 64
LEDGER_NAME = "ledger.jsonl"


@dataclass(frozen=True)
class LedgerEntry:
    index: int
    time: str
    capture_uid: str
    manifest_sha256: str
    prev_hash: str
    entry_hash: str

    def body(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "time": self.time,
            "capture_uid": self.capture_uid,
            "manifest_sha256": self.manifest_sha256,
            "prev_hash": self.prev_hash,
        }

    def computed_hash(self) -> str:
        return entry_hash(self.body())

    def to_line(self) -> bytes:
        return canonical_json({**self.body(), "entry_hash": self.entry_hash}) + b"\n"

    @classmethod
    def from_json(cls, data: Any) -> LedgerEntry:
        if not isinstance(data, dict):
            raise LedgerError("ledger entry is not a JSON object")
        try:
            return cls(
                index=int(data["index"]),
                time=str(data["time"]),
                capture_uid=str(data["capture_uid"]),
                manifest_sha256=str(data["manifest_sha256"]),
                prev_hash=str(data["prev_hash"]),
                entry_hash=str(data["entry_hash"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise LedgerError(f"ledger entry lacks or mistypes a field: {exc}") from exc


def entry_hash(body: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(body)).hexdigest()


@dataclass(frozen=True)
class LedgerLine:
    """One physical line as read back: either an entry or the reason it is not one."""

    line_no: int
    entry: LedgerEntry | None
    error: str | None


class Ledger:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.path = self.root / LEDGER_NAME
        self.lock_path = self.root / "ledger.lock"

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Exclusive lock across processes; held while a manifest is written and appended."""
        self.root.mkdir(parents=True, exist_ok=True)
        with self.lock_path.open("a+b") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def read_lines(self) -> list[LedgerLine]:
        if not self.path.exists():
            return []
        lines: list[LedgerLine] = []
        with self.path.open("rb") as fh:
            for no, raw in enumerate(fh, 1):
                if not raw.strip():
                    lines.append(LedgerLine(no, None, "empty line"))
                    continue
                try:
                    lines.append(LedgerLine(no, LedgerEntry.from_json(json.loads(raw)), None))
                except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                    lines.append(LedgerLine(no, None, f"not JSON: {exc}"))
                except LedgerError as exc:
                    lines.append(LedgerLine(no, None, str(exc)))
        return lines

    def entries(self) -> list[LedgerEntry]:
        return [line.entry for line in self.read_lines() if line.entry is not None]

    def head(self) -> LedgerEntry | None:
        """The newest entry (call under :meth:`locked` when about to append)."""
        return self._last()

    def _last(self) -> LedgerEntry | None:
        """The last entry, read from the file's tail (appends stay O(1) as the ledger grows)."""
        if not self.path.exists():
            return None
        with self.path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 4096))
            tail = fh.read()
        lines = tail.splitlines()
        if lines and size > 4096:
            lines = lines[1:]  # the first line of the window may be cut
        for raw in reversed(lines):
            if raw.strip():
                try:
                    return LedgerEntry.from_json(json.loads(raw))
                except (json.JSONDecodeError, UnicodeDecodeError, LedgerError):
                    break
        entries = self.entries()  # damaged tail: fall back to the last readable entry
        return entries[-1] if entries else None

    def append_unlocked(
        self, capture_uid: str, manifest_sha256: str, now: datetime | None = None
    ) -> LedgerEntry:
        """Append one entry; the caller holds :meth:`locked`."""
        last = self._last()
        draft = LedgerEntry(
            index=0 if last is None else last.index + 1,
            time=utc_iso(now or datetime.now(UTC)),
            capture_uid=capture_uid,
            manifest_sha256=manifest_sha256,
            prev_hash=GENESIS if last is None else last.entry_hash,
            entry_hash="",
        )
        entry = dataclasses.replace(draft, entry_hash=draft.computed_hash())
        try:
            with self.path.open("ab") as fh:
                fh.write(entry.to_line())
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            raise LedgerError(f"could not append to {self.path}: {exc}") from exc
        return entry

    def append(self, capture_uid: str, manifest_sha256: str) -> LedgerEntry:
        with self.locked():
            return self.append_unlocked(capture_uid, manifest_sha256)
