"""The embedded search index: SQLite FTS5 in its own file beside the database.

The index keeps, next to the FTS5 table of tokens, a plain table of the filter
fields (``docs``) and one of categories, so filters, sorting and the
dashboard's counts are answered inside the index whatever the system of record
is (SQLite or PostgreSQL).  Tokens are pre-segmented (see ``tokens``); FTS5's
``unicode61`` tokenizer only splits them on the spaces between them.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from store.db import SQLITE_MMAP_BYTES
from store.search.base import Bucket, FacetField, SearchDoc, SearchError, SearchHits, SearchQuery

SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    id INTEGER PRIMARY KEY,
    platform TEXT NOT NULL,
    status TEXT NOT NULL,
    severity TEXT,
    region TEXT,
    campaign_id INTEGER,
    actor_id INTEGER,
    score REAL NOT NULL DEFAULT 0,
    irregular INTEGER NOT NULL DEFAULT 0,
    first_seen TEXT,
    last_seen TEXT
);
CREATE INDEX IF NOT EXISTS docs_status_score ON docs(status, score);
CREATE INDEX IF NOT EXISTS docs_score ON docs(score);
CREATE INDEX IF NOT EXISTS docs_last_seen ON docs(last_seen);
CREATE INDEX IF NOT EXISTS docs_first_seen ON docs(first_seen);
CREATE INDEX IF NOT EXISTS docs_platform ON docs(platform);
CREATE INDEX IF NOT EXISTS docs_actor ON docs(actor_id);
CREATE TABLE IF NOT EXISTS doc_categories (
    category TEXT NOT NULL,
    id INTEGER NOT NULL,
    PRIMARY KEY (category, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS doc_categories_id ON doc_categories(id);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(tokens, tokenize = 'unicode61 remove_diacritics 0');
"""

#: matches (after filters) from which a page of results sorted by score or recency is read by
#: walking that order's index rather than sorting every match: at 1,000,000 listings a word in
#: a sixth of them took 56 ms sorted and 17 ms walked; a word in none, 0 ms and 44 ms
ORDERED_SCAN_MIN = 1000

_FACET_SQL: dict[str, str] = {
    "platform": "d.platform",
    "region": "coalesce(d.region, '')",
    "severity": "coalesce(d.severity, '')",
    "status": "d.status",
    "category": "c.category",
}


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _match_expression(tokens: list[str]) -> str:
    """All tokens must occur; each is quoted so FTS5 syntax in a query is inert."""
    return " ".join('"' + t.replace('"', '""') + '"' for t in tokens)


class FtsBackend:
    """SQLite FTS5 index in ``path`` (created on first use)."""

    name = "fts5"

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._connect() as conn:
            conn.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute(
                f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}"
            )  # see store.db: reads beside a writer
            conn.execute("PRAGMA cache_size=-16000")
            conn.execute("PRAGMA temp_store=MEMORY")
            self._local.conn = conn
        return conn

    def index(self, docs: list[SearchDoc]) -> None:
        if not docs:
            return
        conn = self._connect()
        ids = [(d.listing_id,) for d in docs]
        try:
            with conn:
                conn.executemany("DELETE FROM fts WHERE rowid = ?", ids)
                conn.executemany("DELETE FROM doc_categories WHERE id = ?", ids)
                conn.executemany(
                    "INSERT OR REPLACE INTO docs (id, platform, status, severity, region, campaign_id,"
                    " actor_id, score, irregular, first_seen, last_seen)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            d.listing_id,
                            d.platform,
                            d.status,
                            d.severity,
                            d.region,
                            d.campaign_id,
                            d.actor_id,
                            d.score,
                            int(d.irregular),
                            _iso(d.first_seen),
                            _iso(d.last_seen),
                        )
                        for d in docs
                    ],
                )
                conn.executemany(
                    "INSERT OR IGNORE INTO doc_categories (category, id) VALUES (?, ?)",
                    [(c, d.listing_id) for d in docs for c in d.categories],
                )
                conn.executemany(
                    "INSERT INTO fts (rowid, tokens) VALUES (?, ?)",
                    [(d.listing_id, " ".join(d.tokens)) for d in docs],
                )
        except sqlite3.Error as exc:
            raise SearchError(f"fts5 index at {self.path}: {exc}") from exc

    def delete(self, listing_ids: list[int]) -> None:
        conn = self._connect()
        ids = [(i,) for i in listing_ids]
        with conn:
            for table, col in (("fts", "rowid"), ("docs", "id"), ("doc_categories", "id")):
                conn.executemany(f"DELETE FROM {table} WHERE {col} = ?", ids)  # noqa: S608

    def clear(self) -> None:
        conn = self._connect()
        with conn:
            conn.execute("DELETE FROM fts")
            conn.execute("DELETE FROM docs")
            conn.execute("DELETE FROM doc_categories")

    def count(self) -> int:
        row = self._connect().execute("SELECT count(*) FROM docs").fetchone()
        return int(row[0])

    def _where(
        self, query: SearchQuery, tokens: list[str], ordered_by: str | None = None
    ) -> tuple[str, str, list[Any]]:
        """FROM clause, WHERE clause and parameters for ``query``.  With ``ordered_by`` (an
        index of ``docs``) the rows are read in that index's order and each is looked up in
        the set of matches, instead of every match being read and sorted."""
        joins = "docs d"
        clauses: list[str] = []
        params: list[Any] = []
        if tokens and ordered_by:
            joins = f"docs d INDEXED BY {ordered_by}"
            clauses.append("d.id IN (SELECT rowid FROM fts WHERE fts MATCH ?)")
            params.append(_match_expression(tokens))
        elif tokens:
            # CROSS JOIN makes SQLite drive from the FTS match, never probe MATCH per row
            joins = "fts CROSS JOIN docs d ON d.id = fts.rowid"
            clauses.append("fts MATCH ?")
            params.append(_match_expression(tokens))
        for column, values in (
            ("d.platform", query.platforms),
            ("d.status", query.statuses),
            ("d.severity", query.severities),
            ("d.region", query.regions),
        ):
            if values:
                clauses.append(f"{column} IN ({', '.join('?' * len(values))})")
                params.extend(values)
        if query.categories:
            clauses.append(
                "d.id IN (SELECT id FROM doc_categories WHERE category IN "  # noqa: S608 - placeholders only
                f"({', '.join('?' * len(query.categories))}))"
            )
            params.extend(query.categories)
        for column, value in (("d.campaign_id", query.campaign_id), ("d.actor_id", query.actor_id)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        if query.since is not None:
            clauses.append("d.last_seen >= ?")
            params.append(_iso(query.since))
        if query.until is not None:
            clauses.append("d.last_seen < ?")
            params.append(_iso(query.until))
        where = " AND ".join(clauses) if clauses else "1"
        return joins, where, params

    def search(self, query: SearchQuery, tokens: list[str]) -> SearchHits:
        conn = self._connect()
        joins, where, params = self._where(query, tokens)
        if query.sort == "relevance" and tokens:
            order, index = "fts.rank, d.score DESC, d.id DESC", None
        elif query.sort == "recent":
            order, index = "d.last_seen DESC, d.id DESC", "docs_last_seen"
        else:
            order, index = "d.score DESC, d.id DESC", "docs_score"
        try:
            if query.count_limit is None:
                total = conn.execute(
                    f"SELECT count(*) FROM {joins} WHERE {where}",  # noqa: S608
                    params,
                ).fetchone()
            else:
                total = conn.execute(
                    f"SELECT count(*) FROM (SELECT 1 FROM {joins} WHERE {where} LIMIT ?)",  # noqa: S608
                    [*params, query.count_limit + 1],
                ).fetchone()
            n = int(total[0])
            if tokens and index and n >= ORDERED_SCAN_MIN:
                # a common word matches a large share of the index: sorting every match costs
                # more than walking the sort order until a page of matches is found
                joins, where, params = self._where(query, tokens, ordered_by=index)
            rows = conn.execute(
                f"SELECT d.id FROM {joins} WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",  # noqa: S608
                [*params, query.limit, query.offset],
            ).fetchall()
        except sqlite3.Error as exc:
            raise SearchError(f"fts5 search in {self.path}: {exc}") from exc
        if query.count_limit is not None and n > query.count_limit:
            return SearchHits([int(r[0]) for r in rows], query.count_limit, exact=False)
        return SearchHits([int(r[0]) for r in rows], n)

    def _facet_from(self, facet: FacetField, joins: str) -> str:
        if facet == "category":
            return f"{joins} JOIN doc_categories c ON c.id = d.id"
        return joins

    def histogram(self, facet: FacetField, query: SearchQuery) -> list[Bucket]:
        joins, where, params = self._where(query, [])
        key = _FACET_SQL[facet]
        sql = (
            f"SELECT substr(d.first_seen, 1, 10) AS day, {key} AS k, count(*) "  # noqa: S608
            f"FROM {self._facet_from(facet, joins)} WHERE {where} AND d.first_seen IS NOT NULL "
            "GROUP BY day, k ORDER BY day, k"
        )
        rows = self._connect().execute(sql, params).fetchall()
        return [Bucket(date.fromisoformat(r[0]), str(r[1]), int(r[2])) for r in rows]

    def terms(self, facet: FacetField, query: SearchQuery, size: int = 20) -> list[tuple[str, int]]:
        joins, where, params = self._where(query, [])
        key = _FACET_SQL[facet]
        sql = (
            f"SELECT {key} AS k, count(*) AS n FROM {self._facet_from(facet, joins)} "  # noqa: S608
            f"WHERE {where} GROUP BY k ORDER BY n DESC, k LIMIT ?"
        )
        rows = self._connect().execute(sql, [*params, size]).fetchall()
        return [(str(r[0]), int(r[1])) for r in rows]

    def watermark(self) -> tuple[int, datetime | None]:
        row = self._connect().execute("SELECT max(id), max(last_seen) FROM docs").fetchone()
        seen = datetime.fromisoformat(row[1]).replace(tzinfo=UTC) if row[1] else None
        return int(row[0] or 0), seen

    def ping(self) -> bool:
        try:
            self._connect().execute("SELECT 1 FROM docs LIMIT 1").fetchall()
        except sqlite3.Error:
            return False
        return True

    def close(self) -> None:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
