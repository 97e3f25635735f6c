"""From listings in the system of record to search documents, and keeping the index current."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session, joinedload

from store.models import IndexOutbox, Listing, ListingVersion, Platform
from store.search.base import SearchBackend, SearchDoc, SearchHits, SearchQuery
from store.search.tokens import tokenize_document, tokenize_query

BATCH = 500


#: index tokens segmented elsewhere (the crawl's classify worker), by the exact text they cut
Pretokenized = Mapping[str, list[str]]


def searchable_text(title: str, text: str, shop: str | None, seller: str | None) -> str:
    """What is searchable: title, text, shop and seller."""
    return "\n".join(p for p in (title, text, shop or "", seller or "") if p)


def listing_text(listing: Listing, version: ListingVersion | None) -> str:
    return searchable_text(
        version.title if version else listing.title,
        version.text if version else "",
        listing.shop,
        listing.seller,
    )


def build_doc(
    listing: Listing,
    platform_key: str,
    userdict: Path | None = None,
    pretokenized: Pretokenized | None = None,
) -> SearchDoc:
    """The listing's search document; its tokens come from ``pretokenized`` when that holds
    this exact text (so the crawl process never loads jieba), else jieba cuts it here."""
    version = listing.current_version
    text = listing_text(listing, version)
    tokens = pretokenized.get(text) if pretokenized else None
    return SearchDoc(
        listing_id=listing.id,
        tokens=tokens if tokens is not None else tokenize_document(text, userdict),
        platform=platform_key,
        status=str(listing.status),
        categories=[str(c) for c in (listing.categories or [])],
        severity=listing.severity,
        region=listing.region,
        campaign_id=listing.first_campaign_id,
        actor_id=listing.actor_id,
        score=float(listing.score or 0.0),
        irregular=bool(listing.irregular),
        first_seen=listing.first_seen,
        last_seen=listing.last_seen,
    )


def _docs(
    session: Session, ids: list[int], userdict: Path | None, pretokenized: Pretokenized | None
) -> list[SearchDoc]:
    rows = session.execute(
        select(Listing, Platform.key)
        .join(Platform, Platform.id == Listing.platform_id)
        .options(joinedload(Listing.current_version))
        .where(Listing.id.in_(ids))
    ).all()
    return [build_doc(listing, key, userdict, pretokenized) for listing, key in rows]


def index_loaded_into(
    backend: SearchBackend,
    listings: Sequence[tuple[Listing, str]],
    userdict: Path | None = None,
    pretokenized: Pretokenized | None = None,
) -> int:
    """Index (listing, platform key) pairs as they are in memory, each listing once, in id
    order: what :func:`index_listings_into` would write for them right after their session
    committed, without reading them back.  Each listing's attributes and ``current_version``
    must be loaded (a writer's own objects, from a session that does not expire on commit)."""
    by_id = {listing.id: (listing, key) for listing, key in listings}
    docs = [
        build_doc(listing, key, userdict, pretokenized)
        for listing, key in (by_id[i] for i in sorted(by_id))
    ]
    backend.index(docs)
    return len(docs)


def _chunks(ids: Iterable[int], size: int = BATCH) -> Iterator[list[int]]:
    chunk: list[int] = []
    for i in ids:
        chunk.append(i)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def index_listings_into(
    backend: SearchBackend,
    session: Session,
    listing_ids: Iterable[int],
    userdict: Path | None = None,
    pretokenized: Pretokenized | None = None,
) -> int:
    """(Re)index these listings as the session sees them; ids that no longer exist are removed."""
    done = 0
    for chunk in _chunks(sorted(set(listing_ids))):
        docs = _docs(session, chunk, userdict, pretokenized)
        backend.index(docs)
        missing = set(chunk) - {d.listing_id for d in docs}
        if missing:
            backend.delete(sorted(missing))
        done += len(docs)
    return done


def rebuild_into(backend: SearchBackend, session: Session, userdict: Path | None = None) -> int:
    """Empty the index and index every listing again; returns how many were indexed."""
    backend.clear()
    ids = session.scalars(select(Listing.id).order_by(Listing.id)).all()
    return index_listings_into(backend, session, ids, userdict)


def catch_up_into(backend: SearchBackend, session: Session, userdict: Path | None = None) -> int:
    """Index listings the index has not seen: ids above its highest id, or seen since its latest
    ``last_seen``.  Covers writers that did not call ``index_listings`` themselves."""
    max_id, max_seen = backend.watermark()
    newer = Listing.id > max_id
    stmt = select(Listing.id).where(
        or_(newer, Listing.last_seen >= max_seen) if max_seen else newer
    )
    return index_listings_into(
        backend, session, session.scalars(stmt.order_by(Listing.id)).all(), userdict
    )


def drain_outbox_into(
    backend: SearchBackend, session: Session, userdict: Path | None = None, batch: int = 500
) -> int:
    """Index the listings the outbox names (``store.listing_state``), then delete exactly those
    entries, committing after each batch; returns how many entries were drained."""
    drained = 0
    while True:
        rows = session.execute(
            select(IndexOutbox.id, IndexOutbox.listing_id).order_by(IndexOutbox.id).limit(batch)
        ).all()
        if not rows:
            return drained
        index_listings_into(backend, session, [listing_id for _, listing_id in rows], userdict)
        session.execute(delete(IndexOutbox).where(IndexOutbox.id.in_([id_ for id_, _ in rows])))
        session.commit()
        drained += len(rows)


def run_search(
    backend: SearchBackend, query: SearchQuery, userdict: Path | None = None
) -> SearchHits:
    """Segment ``query.text`` as documents were segmented and ask the backend."""
    tokens = tokenize_query(query.text, userdict) if query.text.strip() else []
    if query.text.strip() and not tokens:
        return SearchHits([], 0)
    return backend.search(query, tokens)
