"""One scheduler per database: a lock held for as long as the scheduler runs.

APScheduler 3 does not coordinate two schedulers sharing a job store: both
would fire every job.  On PostgreSQL the lock is a session-level advisory lock
on a connection kept open (released by the server if the process dies); on
SQLite, whose database lives on one machine, an ``flock`` on a file beside it.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

ADVISORY_KEY = 0x4C414E5449414E  # "LANTIAN"


class SchedulerAlreadyRunning(RuntimeError):
    """Another scheduler holds the database's scheduler lock."""


class LeaderLock:
    def __init__(self, engine: Engine, sqlite_lock_path: Path | None) -> None:
        self.engine = engine
        self.sqlite_lock_path = sqlite_lock_path
        self._conn: Any = None
        self._file: IO[str] | None = None

    @classmethod
    def for_url(cls, database_url: str) -> LeaderLock:
        """A lock with its own engine (one connection), disposed on release."""
        from store import make_engine

        url = make_url(database_url)
        engine = make_engine(
            database_url, **({} if url.get_backend_name() == "sqlite" else {"pool_size": 1})
        )
        if url.get_backend_name() == "sqlite":
            database = url.database or ""
            path = (
                Path(f"{database}.scheduler.lock") if database and database != ":memory:" else None
            )
            return cls(engine, path)
        return cls(engine, None)

    def acquire(self) -> None:
        if self.engine.dialect.name == "postgresql":
            conn = self.engine.connect()
            got = conn.execute(
                text("select pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}
            ).scalar()
            conn.commit()
            if not got:
                conn.close()
                self.engine.dispose()
                raise SchedulerAlreadyRunning(
                    "another scheduler already runs against this PostgreSQL database "
                    "(`lantian scheduler`, or `lantian serve` with LANTIAN_EMBED_SCHEDULER=true); run only one"
                )
            self._conn = conn
        elif self.sqlite_lock_path is not None:
            handle = open(self.sqlite_lock_path, "a+", encoding="utf-8")  # noqa: SIM115 - held until release
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                holder = Path(self.sqlite_lock_path).read_text(encoding="utf-8").strip() or "?"
                handle.close()
                self.engine.dispose()
                raise SchedulerAlreadyRunning(
                    f"another scheduler (pid {holder}) already runs against this database "
                    f"({self.sqlite_lock_path}); run only one"
                ) from exc
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
            self._file = handle

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute(text("select pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
                self._conn.commit()
            finally:
                self._conn.close()
                self._conn = None
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None
        self.engine.dispose()
