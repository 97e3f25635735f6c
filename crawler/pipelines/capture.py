"""Stage 3: court-grade evidence of flagged listings, through ``evidence/``.

Only listings the classifier flagged are captured (a screenshot per page would
slow every crawl to a browser's pace).  One browser serves every crawler in the
process, with a warm pool of ``concurrency`` profiles (``isolation``: ``reused``
and wiped between captures, the default, or ``fresh`` for each capture; see
:mod:`evidence.isolation`): captures run beside each other and beside the crawl
(Scrapy processes other items while one waits for its capture).  At most ``max_pending`` captures are admitted at once;
while that many are pending, every crawler's engine is paused so the crawl does
not fetch (and hold) more pages than the browser can capture.  The vault writes
the artifacts, signs the manifest and appends to the ledger under its lock; the
store stage writes the database rows from the returned ``StoredCapture``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.backpressure import DEFAULT_MAX_PENDING, PendingGate, default_capture_concurrency
from evidence import Isolation, parse_isolation
from spiders import ListingItem

logger = logging.getLogger(__name__)


class _Shared:
    """One browser, warm pool and pending gate per process, started on first use, refcounted."""

    def __init__(self) -> None:
        self.browser: Any = None
        self.warm: Any = None
        self.gate: PendingGate | None = None
        self.engines: list[Any] = []
        self.users = 0
        self.lock = asyncio.Lock()
        self.paused_at: float | None = None
        self.paused_s = 0.0
        """How long the crawl was held back, waiting for captures."""

    async def acquire(
        self,
        chromium_path: str | None,
        options: Any,
        concurrency: int,
        max_pending: int,
        isolation: Isolation,
    ) -> tuple[Any, PendingGate]:
        async with self.lock:
            if self.warm is None:
                from evidence import BrowserPool, WarmPool

                self.browser = await BrowserPool(chromium_path, max_pages=concurrency).start()
                self.warm = await WarmPool(
                    self.browser, options, concurrency, isolation=isolation
                ).start()
                self.gate = PendingGate(max_pending, self._pause, self._resume)
            self.users += 1
            assert self.gate is not None
            return self.warm, self.gate

    def _pause(self) -> None:
        if self.paused_at is None:
            self.paused_at = time.monotonic()
        for engine in self.engines:
            engine.pause()

    def _resume(self) -> None:
        if self.paused_at is not None:
            self.paused_s += time.monotonic() - self.paused_at
            self.paused_at = None
        for engine in self.engines:
            engine.unpause()
            slot = getattr(engine, "_slot", None)  # fetch again now, not at the next heartbeat
            if slot is not None and getattr(slot, "nextcall", None) is not None:
                slot.nextcall.schedule()

    async def release(self, engine: Any) -> None:
        async with self.lock:
            if engine in self.engines:
                self.engines.remove(engine)
            self.users -= 1
            if self.users <= 0 and self.warm is not None:
                warm, browser, self.warm, self.browser, self.gate = (
                    self.warm,
                    self.browser,
                    None,
                    None,
                    None,
                )
                await warm.close()
                await browser.close()


_shared = _Shared()


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
    from store import adopt_unrecorded, engine_scope, make_sessionmaker, session_scope

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
        concurrency: int = 2,
        max_pending: int = 16,
        isolation: Isolation = "reused",
        stats: StatsCollector | None = None,
        crawler: Crawler | None = None,
        database_url: str | None = None,
    ) -> None:
        self.vault = vault
        self.chromium_path = chromium_path
        self.allow_private = allow_private
        self.run_ref = run_ref
        self.concurrency = concurrency
        self.max_pending = max_pending
        self.isolation = isolation
        self.stats = stats
        self.database_url = database_url
        self.crawler = crawler  # its engine, paused while the gate is full, exists only later
        self._warm: Any = None
        self._gate: PendingGate | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        from evidence import EvidenceConfig, open_vault

        conf = crawler.settings.getdict("LANTIAN_EVIDENCE")
        vault = open_vault(
            EvidenceConfig(
                Path(conf["root"]),
                Path(conf["key_dir"]),
                conf.get("operator", "lantian"),
                tsa_url=conf.get("tsa_url"),
            )
        )
        run_id = crawler.settings.getint("LANTIAN_RUN_ID")
        concurrency = int(conf.get("concurrency") or default_capture_concurrency())
        return cls(
            vault,
            chromium_path=conf.get("chromium_path"),
            allow_private=crawler.settings.getbool("LANTIAN_ALLOW_PRIVATE_NETWORKS"),
            run_ref=f"run-{run_id}" if run_id else None,
            concurrency=concurrency,
            max_pending=int(conf.get("max_pending") or DEFAULT_MAX_PENDING),
            isolation=parse_isolation(conf.get("isolation") or "reused"),
            stats=crawler.stats,
            crawler=crawler,
            database_url=crawler.settings.get("LANTIAN_DATABASE_URL"),
        )

    def _options(self) -> Any:
        from evidence import CaptureOptions

        return CaptureOptions(allow_private_networks=self.allow_private, attempts=2)

    async def open_spider(self) -> None:
        await _adoption.run(self.vault, self.database_url, self.stats)

    async def close_spider(self) -> None:
        if self.stats is not None:
            self.stats.set_value("lantian/crawl_paused_s", round(_shared.paused_s, 1))
            if self._warm is not None:  # process-wide, like the pause
                self.stats.set_value("lantian/capture_profiles_opened", self._warm.opened)
                self.stats.set_value("lantian/capture_profiles_retired", len(self._warm.retired))
        if self._warm is not None:
            self._warm = None
            await _shared.release(self._engine())

    def _engine(self) -> Any:
        return getattr(self.crawler, "engine", None)

    async def _ensure(self) -> PendingGate:
        if self._warm is None or self._gate is None:
            self._warm, self._gate = await _shared.acquire(
                self.chromium_path,
                self._options(),
                self.concurrency,
                self.max_pending,
                self.isolation,
            )
            engine = self._engine()
            if engine is not None and engine not in _shared.engines:
                _shared.engines.append(engine)
        return self._gate

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, ListingItem) or not item.flagged:
            return item
        from evidence import EvidenceError, capture_with_retry

        left = _adoption.take(item.canonical_url)
        if left is not None:  # signed by a crawl killed before it stored the row
            item.capture = left
            self._inc("lantian/capture_adopted")
            return item
        gate = await self._ensure()
        async with gate.admit():
            self._max("lantian/capture_pending_max", gate.pending)
            try:
                result = await capture_with_retry(self._warm, item.url, self._options())
                stored = await asyncio.to_thread(
                    self.vault.record, result, item.canonical_url, self.run_ref, "flagged"
                )
                item.capture = stored
            except EvidenceError as exc:
                self._inc("lantian/capture_failed")
                logger.warning("capture of %s failed: %s", item.url, exc)
                return item
        self._inc("lantian/captured")
        for step, ms in stored.timings_ms.items():
            self._inc(f"lantian/capture_ms/{step}", round(ms))
        return item

    def _inc(self, key: str, count: int = 1) -> None:
        if self.stats is not None:
            self.stats.inc_value(key, count)

    def _max(self, key: str, value: int) -> None:
        if self.stats is not None:
            self.stats.max_value(key, value)
