"""A common word's matches are read by walking the sort order's index, a rare word's by sorting
its matches: both plans give the same page of results."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from store.search import SearchDoc, SearchQuery
from store.search import fts as fts_module
from store.search.fts import FtsBackend

T0 = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[FtsBackend]:
    rng = random.Random(7)
    index = FtsBackend(tmp_path / "search.sqlite3")
    index.index(
        [
            SearchDoc(
                listing_id=i,
                tokens=[
                    "专利",
                    *(["挂靠"] if i % 3 == 0 else []),
                    *(["罕见"] if i % 97 == 0 else []),
                ],
                platform=rng.choice(["taobao", "tieba"]),
                status=rng.choice(["flagged", "new", "dismissed"]),
                score=rng.choice([0.0, 0.5, 0.7, 0.9]),  # ties: the id orders them
                last_seen=None if i % 11 == 0 else T0 + timedelta(minutes=rng.randint(0, 500)),
            )
            for i in range(1, 3001)
        ]
    )
    yield index
    index.close()


def _pages(backend: FtsBackend, query: SearchQuery) -> list[list[int]]:
    return [
        backend.search(replace(query, offset=offset), query.text.split()).ids
        for offset in (0, 50, 950)
    ]


@pytest.mark.parametrize("sort", ["score", "recent"])
@pytest.mark.parametrize(
    "query",
    [
        SearchQuery(text="专利"),
        SearchQuery(text="挂靠", statuses=["flagged"]),
        SearchQuery(text="专利 挂靠", platforms=["tieba"], count_limit=1000),
        SearchQuery(text="罕见"),
    ],
)
def test_both_plans_give_the_same_pages(
    backend: FtsBackend, query: SearchQuery, sort: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    query = replace(query, sort=sort)  # type: ignore[arg-type]
    statements: list[str] = []
    backend._connect().set_trace_callback(statements.append)
    monkeypatch.setattr(fts_module, "ORDERED_SCAN_MIN", 1)
    walked = _pages(backend, query)
    assert any("INDEXED BY" in s for s in statements), "the ordered plan was not taken"
    statements.clear()
    monkeypatch.setattr(fts_module, "ORDERED_SCAN_MIN", 10**9)
    sorted_ = _pages(backend, query)
    assert not any("INDEXED BY" in s for s in statements)
    assert walked == sorted_
    assert walked[0], "the query matches nothing: the comparison proves nothing"
    backend._connect().set_trace_callback(None)


def test_a_rare_word_is_sorted_a_common_one_walked(backend: FtsBackend) -> None:
    statements: list[str] = []
    backend._connect().set_trace_callback(statements.append)
    backend.search(SearchQuery(text="罕见", sort="score"), ["罕见"])  # 30 matches
    assert not any("INDEXED BY" in s for s in statements)
    backend.search(SearchQuery(text="专利", sort="score"), ["专利"])  # 3,000 matches
    assert any("INDEXED BY docs_score" in s for s in statements)
    backend._connect().set_trace_callback(None)
