"""Stage 4: the system of record.  Batched, written off the reactor thread."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from classifiers import DEFAULT_RULES_DIR
from spiders import ListingItem
from store import (
    Listing,
    Observation,
    Platform,
    SourceKind,
    add_capture,
    apply_verdict,
    link_actors,
    make_engine,
    make_sessionmaker,
    outbox_batch,
    post_author_keys,
    record_observations,
    record_verdicts,
    session_scope,
)
from store.search import Pretokenized, SearchConfig, index_loaded

logger = logging.getLogger(__name__)


class StoreError(RuntimeError):
    """Listings could not be written to the database."""


def contact_keys(verdict: Any) -> list[tuple[str, str]]:
    """(kind, value) contacts in a verdict, through the classifier's own helper."""
    entities = getattr(verdict, "entities", None) or []
    if not entities:
        return []
    from classifiers import contact_keys as keys

    return [tuple(k) for k in keys(entities)]  # type: ignore[misc]


def store_item(
    session: Session, item: ListingItem, *, run_id: int | None, campaign_id: int | None
) -> None:
    """One listing: observation (dedup + versioning), verdict, actor, evidence rows."""
    store_items(session, [item], run_id=run_id, campaign_id=campaign_id)


def store_items(
    session: Session, items: Sequence[ListingItem], *, run_id: int | None, campaign_id: int | None
) -> list[Listing]:
    """:func:`store_item` for each item in turn, written with the same rows (ids included)
    but in fewer statements: the observations, verdicts and actor links of a run of
    distinct URLs are each written together; found-via links and verdicts' effects on the
    listings follow item by item.

    A URL seen again in the batch starts a new run, so that item sees every earlier one
    complete, as it would one at a time.  The index outbox rows of the whole batch go in one
    statement at the end (:func:`store.listing_state.outbox_batch`).  Returns each item's
    listing, in the items' order.
    """
    listings: list[Listing] = []
    start = 0
    with outbox_batch(session):
        while start < len(items):
            seen: set[str] = set()
            end = start
            while end < len(items) and items[end].canonical_url not in seen:
                seen.add(items[end].canonical_url)
                end += 1
            listings += _store_run(
                session, items[start:end], run_id=run_id, campaign_id=campaign_id
            )
            start = end
    return listings


def _observation(item: ListingItem, run_id: int | None, campaign_id: int | None) -> Observation:
    return Observation(
        platform_key=item.platform,
        canonical_url=item.canonical_url,
        url=item.url,
        title=item.title,
        text=item.text,
        page_kind=item.page_kind,
        shop=item.shop,
        seller=item.seller,
        region=item.region,
        fields=item.fields,
        fetched_at=item.fetched_at,
        run_id=run_id,
        campaign_id=campaign_id,
        http_status=item.http_status,
        encoding=item.encoding,
    )


def _store_run(
    session: Session, items: Sequence[ListingItem], *, run_id: int | None, campaign_id: int | None
) -> list[Listing]:
    """Items with distinct canonical URLs; returns their listings."""
    recorded = record_observations(
        session, [_observation(item, run_id, campaign_id) for item in items]
    )
    judged = [
        (item, rec) for item, rec in zip(items, recorded, strict=True) if item.verdict is not None
    ]
    classifications = iter(
        record_verdicts(
            session, [(rec.version, item.verdict, rec.inserted) for item, rec in judged]
        )
    )
    # a listing this run created is not there yet for the items before it
    created_at: dict[Any, int] = {
        item.canonical_url: i
        for i, (item, rec) in enumerate(zip(items, recorded, strict=True))
        if rec.created
    }
    links: list[tuple[Listing, list[tuple[str, str]]]] = []
    for i, (item, rec) in enumerate(zip(items, recorded, strict=True)):
        origin = item.fields.get("from_result")
        if not isinstance(origin, dict) or created_at.get(origin.get("listing"), -1) <= i:
            link_found_via(session, rec.listing, origin)
        if item.verdict is not None:
            apply_verdict(session, rec.listing, next(classifications))
            # on a thread the offending post's author is an actor too, beside any contact
            keys = contact_keys(item.verdict) + post_author_keys(
                item.platform, rec.listing.offending_post
            )
            links.append((rec.listing, keys))
    link_actors(session, links)
    for item, rec in zip(items, recorded, strict=True):
        if item.capture is not None:
            add_capture(session, rec.listing.id, run_id, item.capture)
        item.listing_id, item.version_id = rec.listing.id, rec.version.id
        item.created, item.changed = rec.created, rec.changed
    return [rec.listing for rec in recorded]


def _platform_keys(session: Session, listings: Sequence[Listing], keys: dict[int, str]) -> None:
    """Add to ``keys`` the platform key of each platform id among ``listings`` it lacks (a
    listing stays with the platform that first stored it, which need not be the item's; a
    platform's key never changes, so a pipeline asks once)."""
    ids = {listing.platform_id for listing in listings} - keys.keys()
    if ids:
        rows = session.execute(select(Platform.id, Platform.key).where(Platform.id.in_(ids)))
        keys.update({platform_id: key for platform_id, key in rows.tuples()})


def link_found_via(session: Session, listing: Listing, origin: Any) -> None:
    """A landing page reached from a search result points at that result's listing."""
    if not isinstance(origin, dict) or not isinstance(origin.get("listing"), str):
        return
    via = session.scalar(select(Listing.id).where(Listing.canonical_url == origin["listing"]))
    if via is not None and via != listing.id:
        listing.found_via_id = via


def _frontier_notifier(crawler: Crawler) -> Callable[[list[ListingItem]], None]:
    """Tell the durable frontier, on the reactor thread, which listings are now in the database."""
    from twisted.internet import reactor

    from crawler.frontier import items_stored

    def notify(items: list[ListingItem]) -> None:
        reactor.callFromThread(crawler.signals.send_catch_log, signal=items_stored, items=items)

    return notify


def ensure_platform(
    session: Session,
    key: str,
    name: str,
    kind: str,
    base_url: str | None,
    verified: bool,
    takedown_channel: str | None,
) -> Platform:
    from sqlalchemy import select

    platform = session.scalar(select(Platform).where(Platform.key == key))
    if platform is None:
        platform = Platform(key=key, name=name, kind=SourceKind(kind))
        session.add(platform)
    platform.name, platform.kind, platform.verified = name, SourceKind(kind), verified
    platform.base_url = base_url or platform.base_url
    platform.takedown_channel = takedown_channel or platform.takedown_channel
    session.flush()
    return platform


def search_config(values: dict[str, Any]) -> SearchConfig:
    """The search index's configuration from the crawl's ``LANTIAN_SEARCH`` setting: ``data_dir``,
    ``rules_dir``, ``elasticsearch_url``, handed down by ``lantian crawl``."""
    if not values.get("data_dir"):
        raise StoreError(
            "LANTIAN_SEARCH (the search index's data_dir) is not set in the crawl settings"
        )
    return SearchConfig(
        data_dir=Path(values["data_dir"]),
        rules_dir=Path(values["rules_dir"]) if values.get("rules_dir") else DEFAULT_RULES_DIR,
        elasticsearch_url=values.get("elasticsearch_url") or None,
    )


Indexer = Callable[[list[tuple[Listing, str]], Pretokenized], object]
"""Indexes (listing, platform key) pairs a batch committed, its objects still loaded."""


def _search_indexer(values: dict[str, Any]) -> Indexer:
    """The configured search backend (FTS5 or Elasticsearch), as the API reads it."""
    config = search_config(values)

    def index(listings: list[tuple[Listing, str]], pretokenized: Pretokenized) -> object:
        return index_loaded(listings, settings=config, pretokenized=pretokenized)

    return index


@dataclass
class _Shared:
    engine: Engine
    users: int = 0


_engines: dict[str, _Shared] = {}
_engines_lock = threading.Lock()


def _shared_engine(url: str) -> Engine:
    """The process's engine for ``url``, shared by the store stages of its crawlers (one per
    platform): one connection pool, and each statement compiled once rather than once per
    crawler (SQLAlchemy caches compiled statements per engine; compiling was a tenth of the
    stage's CPU in the bench crawl, three platforms compiling the same statements)."""
    with _engines_lock:
        shared = _engines.get(url)
        if shared is None:
            shared = _engines[url] = _Shared(make_engine(url))
        shared.users += 1
        return shared.engine


def _release_engine(engine: Engine) -> None:
    """One user of a :func:`_shared_engine` is done; the last disposes of it."""
    with _engines_lock:
        for url, shared in _engines.items():
            if shared.engine is engine:
                shared.users -= 1
                if shared.users == 0:
                    del _engines[url]
                    engine.dispose()
                return
    engine.dispose()  # an engine the pipeline was handed


class StorePipeline:
    """Buffers items and writes them in batches on one worker thread.

    One thread keeps the database single-writer per process and keeps the
    reactor free to download while a batch commits.  A batch that conflicts
    with another worker (same canonical URL at the same moment) is retried one
    item at a time, so nothing is lost or stored twice.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        run_id: int | None = None,
        campaign_id: int | None = None,
        batch_size: int = 25,
        stats: StatsCollector | None = None,
        engine: Engine | None = None,
        indexer: Indexer | None = None,
    ) -> None:
        self.sessions = sessions
        self.indexer = indexer
        self.run_id = run_id
        self.campaign_id = campaign_id
        self.batch_size = batch_size
        self.stats = stats
        self.engine = engine
        self._buffer: list[ListingItem] = []
        self._platform_key: dict[int, str] = {}
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lantian-store")
        self._pending: list[Future[None]] = []
        self.failures = 0
        self.flush_interval = 1.0
        """how long a partial batch waits for more items (about; checked twice as often)"""
        self._oldest = 0.0  # when the buffer's first item came (time.monotonic)
        # told (from the store thread) which items are final: committed, or given up on
        self.on_resolved: Callable[[list[ListingItem]], None] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        url = crawler.settings.get("LANTIAN_DATABASE_URL")
        if not url:
            raise StoreError("LANTIAN_DATABASE_URL is not set in the crawl settings")
        engine = _shared_engine(url)
        pipe = cls(
            make_sessionmaker(engine),
            run_id=crawler.settings.getint("LANTIAN_RUN_ID") or None,
            campaign_id=crawler.settings.getint("LANTIAN_CAMPAIGN_ID") or None,
            batch_size=crawler.settings.getint("LANTIAN_STORE_BATCH", 25),
            stats=crawler.stats,
            engine=engine,
            indexer=_search_indexer(crawler.settings.getdict("LANTIAN_SEARCH"))
            if crawler.settings.getbool("LANTIAN_SEARCH_INDEX", True)
            else None,
        )
        crawler.signals.connect(pipe.spider_opened, signal=signals.spider_opened)
        if crawler.settings.get("JOBDIR"):
            pipe.on_resolved = _frontier_notifier(crawler)
        return pipe

    def _tick(self) -> None:
        """Submit a partial batch once its first item has waited ``flush_interval``.  A batch
        costs the store thread about 5 ms beyond its items' (under 1 ms each), and a tick
        that sent whatever had come since the last one made batches of one to four items
        while pages trickled in (a third of the bench crawl's 21 batches)."""
        with self._lock:
            if self._buffer and time.monotonic() - self._oldest >= self.flush_interval:
                self._submit()

    def spider_opened(self, spider: Any) -> None:
        from twisted.internet import task

        self._ticker = task.LoopingCall(self._tick)
        self._ticker.start(self.flush_interval / 2, now=False)
        profile = getattr(spider, "profile", None)
        if profile is None:
            return
        with session_scope(self.sessions) as session:
            ensure_platform(
                session,
                profile.key,
                profile.name,
                profile.kind.value,
                profile.base_url,
                profile.verified,
                profile.takedown_channel,
            )

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ListingItem):
            return item
        with self._lock:
            if not self._buffer:
                self._oldest = time.monotonic()
            self._buffer.append(item)
            if len(self._buffer) >= self.batch_size:
                self._submit()
        return item

    def _submit(self) -> None:
        batch, self._buffer = self._buffer, []
        if batch:
            self._pending = [f for f in self._pending if not f.done()]
            self._pending.append(self._executor.submit(self._write, batch))

    def flush(self) -> None:
        """Write everything buffered and wait for it (used at close and by tests)."""
        with self._lock:
            self._submit()
            pending = list(self._pending)
        for future in pending:
            future.result()

    def close_spider(self) -> None:
        ticker = getattr(self, "_ticker", None)
        if ticker is not None and ticker.running:
            ticker.stop()
        try:
            self.flush()
        finally:
            self._executor.shutdown(wait=True)
            if self.engine is not None:
                _release_engine(self.engine)

    def _write(self, batch: list[ListingItem]) -> None:
        try:
            self._write_batch(batch)
        except Exception as exc:  # noqa: BLE001 - one bad item must not lose its batch
            logger.info(
                "batch of %d failed (%s); writing one by one", len(batch), type(exc).__name__
            )
            for item in batch:
                self._write_one_with_retry(item)
        if self.on_resolved is not None:
            self.on_resolved(batch)

    def _write_batch(self, items: Iterable[ListingItem]) -> None:
        items = list(items)
        with session_scope(self.sessions) as session:
            listings = store_items(session, items, run_id=self.run_id, campaign_id=self.campaign_id)
            _platform_keys(session, listings, self._platform_key)
        keys = self._platform_key
        self._count(items)
        self._index(items, [(listing, keys[listing.platform_id]) for listing in listings])

    def _index(self, items: list[ListingItem], listings: list[tuple[Listing, str]]) -> None:
        """Keep the search index in step; it is a cache, so a failure is logged, never fatal.
        The documents come from the batch's own objects, committed and still loaded (the
        session does not expire them), not from reading the listings back; tokens the
        classify worker cut are used as they are."""
        if self.indexer is None or not listings:
            return
        pretokenized = dict(item.search_tokens for item in items if item.search_tokens)
        try:
            self.indexer(listings, pretokenized)
        except Exception as exc:  # noqa: BLE001 - `lantian index rebuild` repairs the index
            logger.warning("search indexing of %d listings failed: %s", len(listings), exc)
            if self.stats is not None:
                self.stats.inc_value("lantian/index_failed")

    def _write_one_with_retry(self, item: ListingItem, attempts: int = 3) -> None:
        for attempt in range(attempts):
            try:
                self._write_batch([item])
                return
            except (IntegrityError, OperationalError) as exc:
                if attempt == attempts - 1:
                    self._failed(item, exc)
            except Exception as exc:  # noqa: BLE001 - logged and counted, the crawl goes on
                self._failed(item, exc)
                return

    def _failed(self, item: ListingItem, exc: BaseException) -> None:
        self.failures += 1
        if self.stats is not None:
            self.stats.inc_value("lantian/store_failed")
        logger.error(
            "could not store %s: %s: %s", item.canonical_url, type(exc).__name__, exc, exc_info=exc
        )

    def _count(self, items: list[ListingItem]) -> None:
        if self.stats is None:
            return
        for item in items:
            self.stats.inc_value("lantian/stored")
            if item.created:
                self.stats.inc_value("lantian/listings_new")
            elif item.changed:
                self.stats.inc_value("lantian/listings_changed")
            else:
                self.stats.inc_value("lantian/listings_unchanged")
