"""The writer beside ``lantian bench api``'s readers: a crawl's store stage in its own process.

It writes the way a crawl does (``crawler.pipelines.store.StorePipeline``:
batches on a worker thread, listing, version, verdict, actor, search index) into
the same SQLite database and FTS5 file the API reads, at a crawl's pace, until
told to stop.  Its own process, like a crawl: it competes for the disk and the
database's locks, not for the API's GIL.
"""

from __future__ import annotations

import random
import time
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event
from pathlib import Path

PLATFORMS = ("taobao", "baidu", "tieba")
BATCH = 25


def run_writer(
    database_url: str,
    index_path: str,
    per_second: float,
    phrases: list[str],
    stop: Event,
    written: Synchronized,  # type: ignore[type-arg]
) -> None:
    """Store listings at ``per_second`` (in batches of 25) until ``stop`` is set; count them in ``written``."""
    from classifiers import load_default_classifier
    from crawler import StorePipeline
    from spiders import ListingItem
    from store import make_engine, make_sessionmaker
    from store.search import FtsBackend, index_loaded_into

    classifier = load_default_classifier()
    engine = make_engine(database_url)
    backend = FtsBackend(Path(index_path))
    pipe = StorePipeline(
        make_sessionmaker(engine),
        batch_size=BATCH,
        engine=engine,
        indexer=lambda listings, tokens: index_loaded_into(backend, listings, None, tokens),
    )
    rng = random.Random(7)
    count = 0
    started = time.monotonic()
    try:
        while not stop.is_set():
            platform = rng.choice(PLATFORMS)
            title = "".join(rng.sample(phrases, 2))
            text = "，".join(rng.sample(phrases, rng.randint(4, 8)))
            url = f"https://{platform}.example/crawled/{time.time_ns()}-{count}"
            item = ListingItem(
                platform=platform,
                kind="marketplace",
                page_kind="listing",
                url=url,
                canonical_url=url,
                title=title,
                text=text,
                region=rng.choice(("北京", "上海", "广东")),
                verdict=classifier.classify(text, title),
            )
            pipe.process_item(item)
            count += 1
            if count % BATCH == 0:
                pipe.flush()
                written.value = count
                # keep the crawl's pace: a batch every BATCH / per_second seconds
                time.sleep(max(0.0, started + count / per_second - time.monotonic()))
    finally:
        pipe.close_spider()
        backend.close()
        written.value = count
