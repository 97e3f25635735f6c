"""FTS5 search answers the same whichever way it matches words: sorting every match, or
walking the documents in order and asking FTS5 of each (the plan for common words)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from store.search import fts
from store.search.base import SearchDoc, SearchQuery
from store.search.fts import FtsBackend

WORDS = ["专利", "包授权", "挂靠", "评职称", "商标", "退款", "下证", "代理"]


@pytest.fixture
def index(tmp_path: Path) -> Iterator[FtsBackend]:
    rng = random.Random(5)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    backend = FtsBackend(tmp_path / "search.sqlite3")
    backend.index(
        [
            SearchDoc(
                listing_id=i,
                tokens=rng.sample(WORDS, rng.randint(1, 4)),
                platform=rng.choice(["taobao", "baidu"]),
                status=rng.choice(["flagged", "new", "dismissed"]),
                categories=rng.sample(["guaranteed_grant", "abnormal_patent"], rng.randint(0, 2)),
                score=round(rng.random(), 2),  # ties: the order falls back to the id
                last_seen=now - timedelta(hours=rng.randint(0, 500)),
            )
            for i in range(1, 601)
        ]
    )
    yield backend
    backend.close()


def _queries() -> list[tuple[SearchQuery, list[str]]]:
    rng = random.Random(9)
    out = []
    for _ in range(60):
        words = rng.sample(WORDS, rng.choice([1, 1, 2]))
        query = SearchQuery(
            text=" ".join(words),
            statuses=["flagged"] if rng.random() < 0.5 else [],
            platforms=["taobao"] if rng.random() < 0.3 else [],
            categories=["abnormal_patent"] if rng.random() < 0.3 else [],
            sort=rng.choice(["score", "recent"]),
            limit=20,
            offset=rng.choice([0, 0, 40]),
            count_limit=rng.choice([None, 50]),
        )
        out.append((query, words))
    return out


def test_walking_in_order_finds_what_sorting_the_matches_finds(
    index: FtsBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    queries = _queries()
    monkeypatch.setattr(fts, "MANY_MATCHES", 10**9)
    sorted_matches = [index.search(q, words) for q, words in queries]
    monkeypatch.setattr(fts, "MANY_MATCHES", 1)
    walked = [index.search(q, words) for q, words in queries]
    assert walked == sorted_matches
    assert sum(len(h.ids) for h in walked) > 200
    assert any(not h.exact for h in walked), "capped counts are compared too"


def test_common_words_walk_in_order(index: FtsBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    """The plan is chosen by how many documents match: a word on most documents walks."""
    monkeypatch.setattr(fts, "MANY_MATCHES", 100)
    assert index._many_matches(["专利"])
    assert not index._many_matches(["不存在的词"])
