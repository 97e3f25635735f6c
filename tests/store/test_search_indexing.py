"""Listings reach the index: index_listings after writes, catch_up for writers that did not call it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from classifiers import DEFAULT_RULES_DIR
from store.listings import Observation, record_observation
from store.models import Listing, ListingStatus
from store.search import SearchDoc, SearchQuery, index_listings, run_search, searchable_text
from store.search.documents import catch_up_into, index_loaded_into, rebuild_into
from store.search.fts import FtsBackend

T0 = datetime(2026, 6, 1, tzinfo=UTC)


def _store(session: Session, n: int, text: str, when: datetime) -> int:
    rec = record_observation(
        session,
        Observation(
            platform_key="market",
            canonical_url=f"https://m.example/{n}",
            url=f"https://m.example/{n}",
            title=f"标题{n}",
            text=text,
            fetched_at=when,
            shop="某某知识产权工作室",
        ),
    )
    rec.listing.status = ListingStatus.flagged
    session.flush()
    return rec.listing.id


def backend_doc_for_ghost() -> SearchDoc:
    return SearchDoc(listing_id=999, tokens=["幽灵"], platform="market", status="flagged")


def test_index_listings_and_catch_up(session: Session, tmp_path: Path) -> None:
    backend = FtsBackend(tmp_path / "search.sqlite3")
    a = _store(session, 1, "发明专利包授权", T0)
    index_listings(session, [a], backend=backend)
    assert backend.watermark() == (a, T0)
    hits = run_search(backend, SearchQuery(text="工作室"))  # shop names are searchable too
    assert hits.ids == [a]

    # another process stores a listing and changes an old one without indexing them
    b = _store(session, 2, "代理师证书挂靠", T0 + timedelta(hours=1))
    session.get(Listing, a).status = ListingStatus.confirmed  # type: ignore[union-attr]
    session.get(Listing, a).last_seen = T0 + timedelta(hours=2)  # type: ignore[union-attr]
    session.commit()
    assert catch_up_into(backend, session) == 2
    assert run_search(backend, SearchQuery(text="挂靠")).ids == [b]
    assert run_search(backend, SearchQuery(statuses=["confirmed"])).ids == [a]
    assert (
        catch_up_into(backend, session) == 1
    )  # only the listing at the watermark is looked at again

    backend.index([backend_doc_for_ghost()])  # a document whose listing is not in the database
    assert backend.count() == 3
    assert rebuild_into(backend, session) == 2 and backend.count() == 2
    backend.close()


def test_tokens_cut_elsewhere_are_used_only_for_the_exact_text(
    session: Session, tmp_path: Path
) -> None:
    backend = FtsBackend(tmp_path / "search.sqlite3")
    a = _store(session, 1, "发明专利包授权", T0)
    b = _store(session, 2, "代理师证书挂靠", T0)
    text_a = searchable_text("标题1", "发明专利包授权", "某某知识产权工作室", None)
    # the crawl's worker cut text_a; b's text is not in the mapping, so jieba cuts it here
    index_listings(session, [a, b], backend=backend, pretokenized={text_a: ["pretokenized"]})
    assert run_search(backend, SearchQuery(text="pretokenized")).ids == [a]
    assert run_search(backend, SearchQuery(text="授权")).ids == []
    assert run_search(backend, SearchQuery(text="挂靠")).ids == [b]
    # a mapping for a text the listing no longer has is ignored
    index_listings(session, [a], backend=backend, pretokenized={"旧的文字": ["pretokenized"]})
    assert run_search(backend, SearchQuery(text="授权")).ids == [a]
    backend.close()


def _index_rows(path: Path) -> list[tuple[object, ...]]:
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        return [
            *conn.execute("SELECT * FROM docs ORDER BY id"),
            *conn.execute("SELECT * FROM doc_categories ORDER BY category, id"),
            *conn.execute("SELECT rowid, tokens FROM fts ORDER BY rowid"),
        ]
    finally:
        conn.close()


def test_loaded_listings_index_as_read_back_ones(session: Session, tmp_path: Path) -> None:
    """The store stage indexes its own committed objects: the same rows as reading them back."""
    ids = [_store(session, n, f"发明专利包授权{n}", T0 + timedelta(minutes=n)) for n in (1, 2)]
    listing = session.get(Listing, ids[1])
    assert listing is not None
    listing.categories = ["guarantee"]
    listing.severity = "high"
    session.commit()
    read_back, loaded = FtsBackend(tmp_path / "a.sqlite3"), FtsBackend(tmp_path / "b.sqlite3")
    try:
        index_listings(session, ids, backend=read_back, pretokenized={})
        pairs = [(session.get(Listing, i), "market") for i in reversed(ids)]
        userdict = DEFAULT_RULES_DIR / "userdict.txt"  # what index_listings cuts with
        assert index_loaded_into(loaded, [*pairs, pairs[0]], userdict, {}) == 2  # type: ignore[list-item]
    finally:
        read_back.close()
        loaded.close()
    rows = _index_rows(tmp_path / "a.sqlite3")
    assert len(rows) == 5 and rows == _index_rows(tmp_path / "b.sqlite3")
