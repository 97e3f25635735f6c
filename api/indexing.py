"""Keeps the search index current for listings written by other processes.

Every ``interval_s`` this background thread drains the outbox of listings whose
status, review or takedown state changed (``store.listing_state`` writes it in the
same transaction as the change, whichever process made it), then, as a safety net,
indexes listings above the index's highest id or seen since its latest ``last_seen``
(the crawler's store stage indexes what it writes itself).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from store.search import SearchBackend, SearchError, catch_up_into, drain_outbox_into

log = logging.getLogger(__name__)


class IndexSyncer:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        backend: SearchBackend,
        userdict: Path | None,
        interval_s: float,
    ) -> None:
        self.sessions = sessions
        self.backend = backend
        self.userdict = userdict
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> int:
        with self.sessions() as session:
            drained = drain_outbox_into(self.backend, session, self.userdict)
            return drained + catch_up_into(self.backend, session, self.userdict)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                n = self.run_once()
                if n:
                    log.info("search index caught up with %d listing(s)", n)
            except (SearchError, OSError) as exc:
                log.warning("search index catch-up failed: %s", exc)
            except Exception:  # noqa: BLE001 - a background thread must survive a bad cycle
                log.exception("search index catch-up failed")
            self._stop.wait(self.interval_s)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="lantian-index-sync", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
