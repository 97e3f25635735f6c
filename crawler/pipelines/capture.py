"""Stage 3: court-grade evidence of flagged listings, through ``evidence/``.

Only listings the classifier flagged are captured (a screenshot per page would
slow every crawl to a browser's pace).  One browser serves every crawler in the
process; each capture gets a fresh context that is closed afterwards.  The
vault writes the artifacts, signs the manifest and appends to the ledger; the
store stage writes the database rows from the returned ``StoredCapture``.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from spiders.items import ListingItem

logger = logging.getLogger(__name__)


class _SharedPool:
    """One ``evidence.browser.BrowserPool`` per process, started on first use, refcounted."""

    def __init__(self) -> None:
        self.pool: Any = None
        self.users = 0
        self.lock = asyncio.Lock()

    async def acquire(self, chromium_path: str | None, max_pages: int) -> Any:
        async with self.lock:
            if self.pool is None:
                from evidence.browser import BrowserPool

                self.pool = await BrowserPool(chromium_path, max_pages=max_pages).start()
            self.users += 1
            return self.pool

    async def release(self) -> None:
        async with self.lock:
            self.users -= 1
            if self.users <= 0 and self.pool is not None:
                pool, self.pool = self.pool, None
                await pool.close()


_shared = _SharedPool()
_record_lock = asyncio.Lock()


class _Adoption:
    """Once per crawl process, before its first capture: rows for the signed captures a
    killed crawl left without one (``store.evidence.adopt_unrecorded``), and the captures
    whose listing was never stored, to use when this crawl stores that listing instead of
    capturing it again (so a kill between signing and committing loses and doubles nothing).
    """

    def __init__(self) -> None:
        self.done = False
        self.pending: dict[str, Any] = {}
        self.lock = asyncio.Lock()

    async def run(self, vault: Any, database_url: str | None, stats: StatsCollector | None) -> None:
        async with self.lock:
            if self.done or not database_url:
                return
            self.done = True
            found = await asyncio.to_thread(_adopt, vault, database_url)
            self.pending = found.pending
            if found.adopted or found.pending:
                logger.warning(
                    "evidence left by an interrupted crawl: %d capture(s) adopted, %d waiting "
                    "for their listing",
                    len(found.adopted),
                    len(found.pending),
                )
            if stats is not None and found.adopted:
                stats.inc_value("lantian/capture_adopted", len(found.adopted))

    def take(self, canonical_url: str) -> Any:
        return self.pending.pop(canonical_url, None)


def _adopt(vault: Any, database_url: str) -> Any:
    from store.db import engine_scope, make_sessionmaker, session_scope
    from store.evidence import adopt_unrecorded

    with engine_scope(database_url) as engine, session_scope(make_sessionmaker(engine)) as s:
        return adopt_unrecorded(s, vault)


_adoption = _Adoption()


class CapturePipeline:
    def __init__(
        self,
        vault: Any,
        *,
        chromium_path: str | None,
        allow_private: bool,
        run_ref: str | None = None,
        max_pages: int = 2,
        stats: StatsCollector | None = None,
        database_url: str | None = None,
    ) -> None:
        self.vault = vault
        self.chromium_path = chromium_path
        self.allow_private = allow_private
        self.run_ref = run_ref
        self.max_pages = max_pages
        self.stats = stats
        self.database_url = database_url
        self._pool: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        from evidence.vault import EvidenceVault

        conf = crawler.settings.getdict("LANTIAN_EVIDENCE")
        vault = EvidenceVault(
            Path(conf["root"]), Path(conf["key_dir"]), conf.get("operator", "lantian")
        )
        run_id = crawler.settings.getint("LANTIAN_RUN_ID")
        return cls(
            vault,
            chromium_path=conf.get("chromium_path"),
            allow_private=crawler.settings.getbool("LANTIAN_ALLOW_PRIVATE_NETWORKS"),
            run_ref=f"run-{run_id}" if run_id else None,
            max_pages=int(conf.get("max_pages", 2)),
            stats=crawler.stats,
            database_url=crawler.settings.get("LANTIAN_DATABASE_URL"),
        )

    async def open_spider(self) -> None:
        await _adoption.run(self.vault, self.database_url, self.stats)

    async def close_spider(self) -> None:
        if self._pool is not None:
            self._pool = None
            await _shared.release()

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, ListingItem) or not item.flagged:
            return item
        from evidence.capture import CaptureOptions, capture_with_retry
        from evidence.errors import EvidenceError

        left = _adoption.take(item.canonical_url)
        if left is not None:  # signed by a crawl killed before it stored the row
            item.capture = left
            self._inc("lantian/capture_adopted")
            return item
        if self._pool is None:
            self._pool = await _shared.acquire(self.chromium_path, self.max_pages)
        options = CaptureOptions(allow_private_networks=self.allow_private, attempts=2)
        try:
            result = await capture_with_retry(self._pool, item.url, options)
            async with _record_lock:
                item.capture = await asyncio.to_thread(
                    self.vault.record, result, item.canonical_url, self.run_ref, "flagged"
                )
        except EvidenceError as exc:
            self._inc("lantian/capture_failed")
            logger.warning("capture of %s failed: %s", item.url, exc)
            return item
        self._inc("lantian/captured")
        return item
