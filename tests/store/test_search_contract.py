"""One contract for every search backend: FTS5 always, Elasticsearch when LANTIAN_ELASTICSEARCH_URL is set."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from store.search import (
    SearchBackend,
    SearchDoc,
    SearchQuery,
    run_search,
    tokenize_document,
    tokenize_query,
)
from store.search.fts import FtsBackend

ES_URL = os.environ.get("LANTIAN_ELASTICSEARCH_URL")
T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["fts5", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchBackend]:
    if request.param == "fts5":
        b: SearchBackend = FtsBackend(tmp_path / "search.sqlite3")
        yield b
        b.close()
        return
    if not ES_URL:
        pytest.skip(
            "Elasticsearch contract not run: set LANTIAN_ELASTICSEARCH_URL to a server to run it"
        )
    from store.search.elastic import ElasticBackend

    index = f"lantian-test-{uuid.uuid4().hex[:8]}"
    es = ElasticBackend(ES_URL, index=index)
    yield es
    es.client.indices.delete(index=index, ignore_unavailable=True)
    es.close()


def doc(i: int, text: str, **kw: object) -> SearchDoc:
    fields: dict[str, object] = {
        "platform": "market",
        "status": "flagged",
        "categories": ["guaranteed_grant"],
        "severity": "high",
        "region": "北京",
        "score": 0.5,
        "irregular": True,
        "first_seen": T0,
        "last_seen": T0,
    }
    fields.update(kw)
    return SearchDoc(listing_id=i, tokens=tokenize_document(text), **fields)  # type: ignore[arg-type]


@pytest.fixture
def loaded(backend: SearchBackend) -> SearchBackend:
    backend.index(
        [
            doc(1, "发明专利包授权，不授权全额退款", score=0.9),
            doc(
                2,
                "代理师证书挂靠，人不用到岗",
                platform="forum",
                categories=["certificate_renting"],
                severity="medium",
                region="上海",
                score=0.7,
                first_seen=T0 + timedelta(days=1),
                last_seen=T0 + timedelta(days=1),
            ),
            doc(
                3,
                "论文改专利 评职称 包授权",
                categories=["abnormal_patent", "guaranteed_grant"],
                score=0.8,
                status="confirmed",
                actor_id=7,
                campaign_id=3,
            ),
            doc(
                4,
                "正规专利代理机构，不承诺授权结果",
                status="dismissed",
                categories=[],
                severity=None,
                region=None,
                score=0.1,
                irregular=False,
            ),
        ]
    )
    return backend


def ids(backend: SearchBackend, **kw: object) -> list[int]:
    return run_search(backend, SearchQuery(**kw)).ids  # type: ignore[arg-type]


def test_tokens_are_the_same_for_document_and_query_words() -> None:
    assert "包授权" in tokenize_document("专利包授权") or {"包", "授权"} <= set(
        tokenize_document("专利包授权")
    )
    assert tokenize_query("ＡＢＣ 专利") == ["abc", "专利"]  # NFKC + lower-case
    assert all(t.strip() and " " not in t for t in tokenize_document("专 利，包-授权！!"))


def test_a_document_is_cut_as_a_whole_though_its_lines_are_cut_apart() -> None:
    """tokenize_document cuts (and remembers) a line at a time: the tokens are those of
    jieba's search mode over the whole text, line breaks of every kind included."""
    from store.search.tokens import _fold, _segmenter, _words

    texts = [
        "专利代理包授权\n\n  Café 加微信 ABC-12\r\n最后 一行\u3000全角ＡＢＣ１２",
        "专利\n代理\n专利\n代理",
        "",
        "\n",
        "高新技术企业认定\u2028代办",
        "挂证" * 600 + "\n专利代理",  # a line too long to remember
    ]
    for text in texts:
        whole = _words(list(_segmenter(None).cut_for_search(_fold(text), HMM=False)))
        assert tokenize_document(text) == whole
        assert tokenize_document(text) == whole  # the second time from remembered lines


def test_words_must_all_match(loaded: SearchBackend) -> None:
    assert ids(loaded, text="包授权", sort="score") == [1, 3]
    assert ids(loaded, text="挂靠") == [2]
    assert ids(loaded, text="包授权 评职称") == [3]
    assert ids(loaded, text="不存在的词语组合xyz") == []


def test_filters(loaded: SearchBackend) -> None:
    assert ids(loaded, text="专利", platforms=["forum"]) == []
    assert ids(loaded, statuses=["confirmed", "dismissed"], sort="score") == [3, 4]
    assert ids(loaded, categories=["abnormal_patent"]) == [3]
    assert ids(loaded, categories=["certificate_renting", "abnormal_patent"], sort="score") == [
        3,
        2,
    ]
    assert ids(loaded, regions=["上海"]) == [2]
    assert ids(loaded, severities=["medium"]) == [2]
    assert ids(loaded, actor_id=7) == [3]
    assert ids(loaded, campaign_id=3) == [3]
    assert ids(loaded, since=T0 + timedelta(hours=12)) == [2]
    assert ids(loaded, until=T0 + timedelta(hours=12), sort="score") == [1, 3, 4]


def test_sorting_paging_and_totals(loaded: SearchBackend) -> None:
    hits = run_search(loaded, SearchQuery(sort="score", limit=2, offset=1))
    assert hits.ids == [3, 2] and hits.total == 4
    assert ids(loaded, sort="recent")[0] == 2


def test_reindex_replaces_and_delete_removes(loaded: SearchBackend) -> None:
    assert loaded.watermark() == (4, T0 + timedelta(days=1))
    loaded.index([doc(1, "商标抢注 囤积", status="dismissed", categories=["trademark_malicious"])])
    assert ids(loaded, text="包授权") == [3]
    assert ids(loaded, text="抢注") == [1]
    assert ids(loaded, categories=["guaranteed_grant"]) == [3]
    loaded.delete([1])
    assert ids(loaded, text="抢注") == [] and loaded.count() == 3
    loaded.clear()
    assert loaded.count() == 0 and loaded.watermark() == (0, None)


def test_aggregations_for_the_dashboard(loaded: SearchBackend) -> None:
    everything = SearchQuery()
    assert dict(loaded.terms("status", everything)) == {
        "flagged": 2,
        "confirmed": 1,
        "dismissed": 1,
    }
    assert dict(loaded.terms("category", everything)) == {
        "guaranteed_grant": 2,
        "certificate_renting": 1,
        "abnormal_patent": 1,
    }
    assert dict(loaded.terms("region", everything)) == {"北京": 2, "上海": 1, "": 1}
    buckets = loaded.histogram("platform", SearchQuery(statuses=["flagged", "confirmed"]))
    assert [(b.day, b.key, b.count) for b in buckets] == [
        (date(2026, 5, 1), "market", 2),
        (date(2026, 5, 2), "forum", 1),
    ]


def test_query_syntax_is_inert(loaded: SearchBackend) -> None:
    for nasty in ['"', "NEAR(包授权", "*", "包授权 OR 挂靠", "tokens:挂靠", "') OR 1=1 --"]:
        run_search(loaded, SearchQuery(text=nasty))  # must not raise
    assert ids(loaded, text="包授权 OR 挂靠") == []  # OR is a word here, and no document has it


def test_long_lines_are_cut_without_being_remembered() -> None:
    from store.search.tokens import _REMEMBERED_LINE, _remembered_line_tokens

    _remembered_line_tokens.cache_clear()
    tokenize_document("专利" * _REMEMBERED_LINE + "\n代理包授权")
    assert _remembered_line_tokens.cache_info().currsize == 1  # the short line only
