"""``lantian bench api``: the readers are timed while a crawl-like writer stores listings beside them."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.bench import run_api_bench
from lantian.config import load_settings
from store.db import make_engine
from store.models import Classification, Listing, ListingVersion
from store.search.fts import FtsBackend


def test_bench_times_readers_beside_a_writer(tmp_path: Path) -> None:
    bench = run_api_bench(
        listings=400,
        requests=20,
        data_dir=tmp_path,
        writer_per_second=100,
        settings_for=lambda d: load_settings(data_dir=d, database_url=None, elasticsearch_url=None),
    )
    assert bench.written > 0, "the writer stored nothing while the readers were timed"
    for timing in (bench.queue, bench.search, bench.floor):
        assert timing.n == 20 and 0 < timing.p50_ms <= timing.p95_ms
    engine = make_engine(f"sqlite:///{tmp_path / 'lantian.db'}")
    try:
        with Session(engine) as session:
            crawled = Listing.canonical_url.like("%/crawled/%")
            stored = session.scalar(select(func.count()).where(crawled)) or 0
            classified = session.scalar(
                select(func.count(Classification.id))
                .join(ListingVersion, ListingVersion.id == Classification.version_id)
                .join(Listing, Listing.id == ListingVersion.listing_id)
                .where(crawled)
            )
    finally:
        engine.dispose()
    # what a crawl stores: listings with their verdicts, and the search index kept in step
    assert stored >= bench.written and classified == stored
    index = FtsBackend(tmp_path / "search.sqlite3")
    try:
        assert index.count() == 400 + stored
    finally:
        index.close()
