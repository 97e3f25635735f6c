"""Search index backends: SQLite FTS5 (embedded default) and Elasticsearch.

Chosen by ``settings.elasticsearch_url``.  Both index the same jieba tokens and
answer the same contract (``SearchBackend``); ``index_listings(session, ids)``
is what the crawler's store stage and the review API call after changing
listings, ``lantian index rebuild`` re-creates the index from the database.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy.orm import Session

from classifiers import DEFAULT_RULES_DIR
from store.models import Listing
from store.search.base import (
    Bucket,
    FacetField,
    SearchBackend,
    SearchDoc,
    SearchError,
    SearchHits,
    SearchQuery,
    SortKey,
)
from store.search.documents import (
    Pretokenized,
    build_doc,
    catch_up_into,
    drain_outbox_into,
    index_listings_into,
    index_loaded_into,
    rebuild_into,
    run_search,
    searchable_text,
)
from store.search.fts import FtsBackend
from store.search.tokens import tokenize_document, tokenize_query

__all__ = [
    "Bucket",
    "FacetField",
    "FtsBackend",
    "Pretokenized",
    "SearchBackend",
    "SearchDoc",
    "SearchError",
    "SearchHits",
    "SearchConfig",
    "SearchQuery",
    "SearchSettings",
    "SortKey",
    "build_doc",
    "catch_up",
    "catch_up_into",
    "drain_outbox",
    "drain_outbox_into",
    "fts_path",
    "index_listings",
    "index_listings_into",
    "index_loaded",
    "index_loaded_into",
    "open_backend",
    "rebuild_index",
    "run_search",
    "searchable_text",
    "tokenize_document",
    "tokenize_query",
    "userdict_path",
]


class SearchSettings(Protocol):
    """What the search index needs of the settings (``lantian.config.Settings`` has it)."""

    @property
    def data_dir(self) -> Path: ...
    @property
    def rules_dir(self) -> Path: ...
    @property
    def elasticsearch_url(self) -> str | None: ...


@dataclass(frozen=True)
class SearchConfig:
    """The search settings as plain values, for a process handed them (a crawl)."""

    data_dir: Path
    rules_dir: Path = DEFAULT_RULES_DIR
    elasticsearch_url: str | None = None


_shared: dict[tuple[str, str], SearchBackend] = {}
_shared_lock = threading.Lock()


def fts_path(settings: SearchSettings) -> Path:
    """Where the embedded index lives: beside the default database under data_dir."""
    return settings.data_dir / "search.sqlite3"


def userdict_path(settings: SearchSettings) -> Path | None:
    path = settings.rules_dir / "userdict.txt"
    return path if path.is_file() else None


def open_backend(settings: SearchSettings) -> SearchBackend:
    """A new backend as configured: Elasticsearch when its URL is set, else FTS5."""
    if settings.elasticsearch_url:
        from store.search.elastic import ElasticBackend

        return ElasticBackend(settings.elasticsearch_url)
    return FtsBackend(fts_path(settings))


def _shared_backend(settings: SearchSettings) -> SearchBackend:
    key = (settings.elasticsearch_url or "", str(fts_path(settings).resolve()))
    with _shared_lock:
        backend = _shared.get(key)
        if backend is None:
            backend = _shared[key] = open_backend(settings)
        return backend


def index_listings(
    session: Session,
    listing_ids: Iterable[int],
    backend: SearchBackend | None = None,
    settings: SearchSettings | None = None,
    pretokenized: Pretokenized | None = None,
) -> int:
    """Bring the index up to date for these listings, as ``session`` sees them.

    Call it after storing or changing listings (before or after commit: the index
    is a cache of the database, ``lantian index rebuild`` restores it).  Give the
    ``backend`` or the ``settings`` that choose it; without settings the project's
    dictionary (``rules/userdict.txt``) segments the text.  ``pretokenized`` holds
    tokens already cut (with the same dictionary) for some listing texts.
    """
    if settings is None:
        if backend is None:
            raise SearchError("index_listings needs a backend or the search settings")
        userdict = DEFAULT_RULES_DIR / "userdict.txt"
        return index_listings_into(
            backend, session, listing_ids, userdict if userdict.is_file() else None, pretokenized
        )
    return index_listings_into(
        backend or _shared_backend(settings),
        session,
        listing_ids,
        userdict_path(settings),
        pretokenized,
    )


def index_loaded(
    listings: Sequence[tuple[Listing, str]],
    settings: SearchSettings,
    pretokenized: Pretokenized | None = None,
) -> int:
    """:func:`index_listings` for (listing, platform key) pairs a writer still holds, loaded
    and committed: the documents are built from the objects, not read back from the database
    (see :func:`store.search.documents.index_loaded_into`)."""
    return index_loaded_into(
        _shared_backend(settings), listings, userdict_path(settings), pretokenized
    )


def catch_up(
    session: Session, settings: SearchSettings, backend: SearchBackend | None = None
) -> int:
    """Index what the database has and the index lacks (new ids, recently seen listings)."""
    return catch_up_into(backend or _shared_backend(settings), session, userdict_path(settings))


def drain_outbox(
    session: Session, settings: SearchSettings, backend: SearchBackend | None = None
) -> int:
    """Index the listings whose state changed (the outbox ``store.listing_state`` writes)."""
    return drain_outbox_into(backend or _shared_backend(settings), session, userdict_path(settings))


def rebuild_index(
    session: Session, settings: SearchSettings, backend: SearchBackend | None = None
) -> int:
    return rebuild_into(backend or open_backend(settings), session, userdict_path(settings))
