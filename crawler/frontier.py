"""A crawl frontier that survives SIGKILL: queue and seen set written as the crawl goes.

Scrapy's own JOBDIR saves its queue's position only on a graceful stop, so
after a hard kill the queue and the seen set disagree and resuming would skip
pages; the crawl had to start over.  Here both live in one SQLite file under
JOBDIR (WAL; every change is its own transaction, which a killed process
cannot half-write).  A request is

* ``pending`` once enqueued (its fingerprint is in the seen set at the same time),
* ``in flight`` once handed to the downloader,
* ``done`` once its callback has run to the end (every request it yielded is
  enqueued) *and* every listing it yielded is committed by the store stage
  (or dropped or failed there, which is final).

On the next start, ``in flight`` requests go back to ``pending``: a page whose
listings might have been in the store's buffer when the process died is
fetched again (the store deduplicates by canonical URL), and nothing else is.
"""

from __future__ import annotations

import logging
import pickle
import sqlite3
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import Any, Self

from scrapy import Request, Spider, signals
from scrapy.core.scheduler import BaseScheduler
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.request import request_from_dict

from spiders import ListingItem

logger = logging.getLogger(__name__)

FRONTIER_FILE = "frontier.sqlite"
META_KEY = "lantian_frontier_id"
PENDING, IN_FLIGHT, DONE = 0, 1, 2

# Sent by the spider middleware and the store stage; the scheduler listens.
item_emitted = object()  # (request_id, item): a callback yielded a listing
callback_finished = object()  # (request_id): the callback's output is fully consumed
items_stored = object()  # (items): the store committed (or gave up on) these listings


class Frontier:
    """The SQLite queue and seen set; no Scrapy in here, so it is tested alone."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")  # WAL+NORMAL: a killed process loses nothing
        self.db.executescript(
            """
            CREATE TABLE IF NOT EXISTS seen (fp TEXT PRIMARY KEY) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS requests (
                id INTEGER PRIMARY KEY, priority INTEGER NOT NULL,
                state INTEGER NOT NULL, data BLOB NOT NULL);
            CREATE INDEX IF NOT EXISTS requests_next ON requests (state, priority DESC, id);
            """
        )

    def recover(self) -> int:
        """Put requests that were in flight when the last process stopped back in the queue."""
        cur = self.db.execute("UPDATE requests SET state = ? WHERE state = ?", (PENDING, IN_FLIGHT))
        return cur.rowcount

    def add(self, fp: str | None, priority: int, data: bytes) -> int | None:
        """Enqueue; None when ``fp`` was seen before (``fp`` None: never filtered)."""
        with self.db:  # one transaction: the seen mark and the queue entry together
            self.db.execute("BEGIN")
            if fp is not None:
                cur = self.db.execute("INSERT OR IGNORE INTO seen (fp) VALUES (?)", (fp,))
                if cur.rowcount == 0:
                    return None
            cur = self.db.execute(
                "INSERT INTO requests (priority, state, data) VALUES (?, ?, ?)",
                (priority, PENDING, data),
            )
            return int(cur.lastrowid or 0)

    def pop(self) -> tuple[int, bytes] | None:
        row = self.db.execute(
            "SELECT id, data FROM requests WHERE state = ? ORDER BY priority DESC, id LIMIT 1",
            (PENDING,),
        ).fetchone()
        if row is None:
            return None
        self.db.execute("UPDATE requests SET state = ? WHERE id = ?", (IN_FLIGHT, row[0]))
        return int(row[0]), bytes(row[1])

    def finish(self, request_id: int) -> None:
        self.db.execute("UPDATE requests SET state = ? WHERE id = ?", (DONE, request_id))

    def count(self, state: int) -> int:
        return int(
            self.db.execute("SELECT count(*) FROM requests WHERE state = ?", (state,)).fetchone()[0]
        )

    def close(self) -> None:
        self.db.close()


class DurableScheduler(BaseScheduler):
    """Scrapy scheduler over :class:`Frontier` in ``JOBDIR``; resumes after any kind of stop."""

    def __init__(self, jobdir: Path, crawler: Crawler) -> None:
        self.jobdir = jobdir
        self.crawler = crawler
        self.stats = crawler.stats
        self.frontier: Frontier | None = None
        self.spider: Spider | None = None
        self._outstanding: dict[int, int] = defaultdict(int)
        self._owner: dict[int, tuple[int, Any]] = {}
        self._callback_done: set[int] = set()
        self._pending = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        jobdir = crawler.settings.get("JOBDIR")
        if not jobdir:
            raise NotConfigured("the durable frontier needs JOBDIR")
        scheduler = cls(Path(jobdir), crawler)
        crawler.signals.connect(scheduler._item_emitted, signal=item_emitted)
        crawler.signals.connect(scheduler._callback_finished, signal=callback_finished)
        crawler.signals.connect(scheduler._items_resolved, signal=items_stored)
        crawler.signals.connect(scheduler._item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(scheduler._item_dropped, signal=signals.item_error)
        return scheduler

    def open(self, spider: Spider) -> None:
        self.spider = spider
        self.frontier = Frontier(self.jobdir / FRONTIER_FILE)
        requeued = self.frontier.recover()
        pending = self._pending = self.frontier.count(PENDING)
        done = self.frontier.count(DONE)
        if self.stats is not None:
            self.stats.set_value("lantian/frontier_requeued", requeued)
            self.stats.set_value("lantian/frontier_resumed_pending", pending)
            self.stats.set_value("lantian/frontier_resumed_done", done)
        if pending or done:
            logger.info(
                "frontier %s: resuming with %d pending (%d were in flight), %d done",
                self.jobdir,
                pending,
                requeued,
                done,
            )

    def close(self, reason: str) -> None:
        if self.frontier is not None:
            self.frontier.close()
            self.frontier = None

    def has_pending_requests(self) -> bool:
        return self._pending > 0

    def enqueue_request(self, request: Request) -> bool:
        assert self.frontier is not None and self.spider is not None
        fingerprinter = self.crawler.request_fingerprinter
        fp = None if request.dont_filter else fingerprinter.fingerprint(request).hex()
        data = pickle.dumps(request.to_dict(spider=self.spider), protocol=4)
        request_id = self.frontier.add(fp, request.priority, data)
        if request_id is None:
            if self.stats is not None:
                self.stats.inc_value("dupefilter/filtered")
            return False
        self._pending += 1
        if self.stats is not None:
            self.stats.inc_value("scheduler/enqueued/frontier")
        return True

    def next_request(self) -> Request | None:
        if self.frontier is None:
            return None
        popped = self.frontier.pop()
        if popped is None:
            return None
        request_id, data = popped
        self._pending -= 1
        request = request_from_dict(pickle.loads(data), spider=self.spider)  # noqa: S301 - our own file
        request.meta[META_KEY] = request_id
        if self.stats is not None:
            self.stats.inc_value("scheduler/dequeued/frontier")
        return request

    def _item_emitted(self, request_id: int, item: Any) -> None:
        self._outstanding[request_id] += 1
        self._owner[id(item)] = (request_id, item)

    def _callback_finished(self, request_id: int) -> None:
        self._callback_done.add(request_id)
        self._maybe_finish(request_id)

    def _items_resolved(self, items: list[Any]) -> None:
        for item in items:
            owner = self._owner.pop(id(item), None)
            if owner is not None:
                self._outstanding[owner[0]] -= 1
                self._maybe_finish(owner[0])

    def _item_dropped(self, item: Any, **_: Any) -> None:
        self._items_resolved([item])

    def _maybe_finish(self, request_id: int) -> None:
        if request_id in self._callback_done and self._outstanding.get(request_id, 0) <= 0:
            self._callback_done.discard(request_id)
            self._outstanding.pop(request_id, None)
            if self.frontier is not None:
                self.frontier.finish(request_id)


class FrontierTracker:
    """Spider middleware: tells the scheduler what each callback yielded and when it ended.

    It sits closest to the engine (lowest order), so requests it sees pass on
    to the scheduler as it yields them; when the callback's output is
    exhausted, all of them are enqueued.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.get("JOBDIR"):
            raise NotConfigured("no JOBDIR")
        return cls(crawler)

    def _request_id(self, response: Any) -> int | None:
        request = getattr(response, "request", None)
        return request.meta.get(META_KEY) if request is not None else None

    def _emitted(self, request_id: int | None, output: Any) -> None:
        if request_id is not None and isinstance(output, ListingItem):
            self.crawler.signals.send_catch_log(
                signal=item_emitted, request_id=request_id, item=output
            )

    def _finished(self, request_id: int | None) -> None:
        if request_id is not None:
            self.crawler.signals.send_catch_log(signal=callback_finished, request_id=request_id)

    def process_spider_output(
        self, response: Any, result: Iterable[Any], spider: Spider | None = None
    ) -> Iterator[Any]:
        request_id = self._request_id(response)
        for output in result:
            self._emitted(request_id, output)
            yield output
        self._finished(request_id)

    async def process_spider_output_async(
        self, response: Any, result: AsyncIterator[Any], spider: Spider | None = None
    ) -> AsyncIterator[Any]:
        request_id = self._request_id(response)
        async for output in result:
            self._emitted(request_id, output)
            yield output
        self._finished(request_id)
