"""Elasticsearch as the search index (official client, bulk indexing, aggregations).

An index template gives every ``<prefix>*`` index a whitespace analyzer over the
pre-segmented tokens (see ``tokens``), so matching is the same as in FTS5.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from elasticsearch import Elasticsearch, helpers
from elasticsearch import exceptions as es_exceptions

from store.search.base import Bucket, FacetField, SearchDoc, SearchError, SearchHits, SearchQuery

DEFAULT_INDEX = "lantian-listings"

_FACET_FIELD: dict[str, str] = {
    "category": "categories",
    "platform": "platform",
    "region": "region",
    "severity": "severity",
    "status": "status",
}


def index_template(index: str) -> dict[str, Any]:
    return {
        "index_patterns": [f"{index}*"],
        "template": {
            "settings": {
                "number_of_shards": 1,
                "analysis": {
                    "analyzer": {
                        "lantian_tokens": {
                            "type": "custom",
                            "tokenizer": "whitespace",
                            "filter": ["lowercase"],
                        }
                    }
                },
            },
            "mappings": {
                "dynamic": "strict",
                "properties": {
                    "listing_id": {"type": "long"},
                    "tokens": {"type": "text", "analyzer": "lantian_tokens"},
                    "platform": {"type": "keyword"},
                    "status": {"type": "keyword"},
                    "categories": {"type": "keyword"},
                    "severity": {"type": "keyword"},
                    "region": {"type": "keyword"},
                    "campaign_id": {"type": "long"},
                    "actor_id": {"type": "long"},
                    "score": {"type": "float"},
                    "irregular": {"type": "boolean"},
                    "first_seen": {"type": "date"},
                    "last_seen": {"type": "date"},
                },
            },
        },
    }


def _terms_agg(facet: FacetField, size: int) -> dict[str, Any]:
    """A terms aggregation; a missing single value counts as "" as in FTS5 (not categories)."""
    agg: dict[str, Any] = {"field": _FACET_FIELD[facet], "size": size}
    if facet != "category":
        agg["missing"] = ""
    return agg


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


class ElasticBackend:
    """Listings in the Elasticsearch index ``index`` at ``url``."""

    name = "elasticsearch"

    def __init__(
        self, url: str, index: str = DEFAULT_INDEX, *, client: Elasticsearch | None = None
    ) -> None:
        self.url = url
        self.index_name = index
        self.client = client or Elasticsearch(url, request_timeout=10)
        try:
            self.client.indices.put_index_template(name=index, **index_template(index))
            if not self.client.indices.exists(index=index):
                self.client.indices.create(index=index)
        except es_exceptions.ApiError as exc:
            if getattr(exc, "error", "") != "resource_already_exists_exception":
                raise SearchError(f"elasticsearch at {url}: cannot set up {index}: {exc}") from exc
        except es_exceptions.TransportError as exc:
            raise SearchError(f"elasticsearch at {url} unreachable: {exc}") from exc

    def _source(self, doc: SearchDoc) -> dict[str, Any]:
        return {
            "listing_id": doc.listing_id,
            "tokens": " ".join(doc.tokens),
            "platform": doc.platform,
            "status": doc.status,
            "categories": doc.categories,
            "severity": doc.severity,
            "region": doc.region,
            "campaign_id": doc.campaign_id,
            "actor_id": doc.actor_id,
            "score": doc.score,
            "irregular": doc.irregular,
            "first_seen": _iso(doc.first_seen),
            "last_seen": _iso(doc.last_seen),
        }

    def index(self, docs: list[SearchDoc]) -> None:
        if not docs:
            return
        actions = (
            {"_index": self.index_name, "_id": str(d.listing_id), "_source": self._source(d)}
            for d in docs
        )
        try:
            helpers.bulk(self.client, actions, refresh="wait_for")
        except (
            helpers.BulkIndexError,
            es_exceptions.ApiError,
            es_exceptions.TransportError,
        ) as exc:
            raise SearchError(f"elasticsearch bulk index into {self.index_name}: {exc}") from exc

    def delete(self, listing_ids: list[int]) -> None:
        actions = (
            {"_op_type": "delete", "_index": self.index_name, "_id": str(i)} for i in listing_ids
        )
        helpers.bulk(self.client, actions, refresh="wait_for", raise_on_error=False)

    def clear(self) -> None:
        self.client.delete_by_query(
            index=self.index_name, query={"match_all": {}}, refresh=True, conflicts="proceed"
        )

    def count(self) -> int:
        return int(self.client.count(index=self.index_name)["count"])

    def _bool(self, query: SearchQuery, tokens: list[str]) -> dict[str, Any]:
        must: list[dict[str, Any]] = []
        filters: list[dict[str, Any]] = []
        if tokens:
            must.append({"match": {"tokens": {"query": " ".join(tokens), "operator": "and"}}})
        for field_name, values in (
            ("platform", query.platforms),
            ("status", query.statuses),
            ("severity", query.severities),
            ("region", query.regions),
            ("categories", query.categories),
        ):
            if values:
                filters.append({"terms": {field_name: list(values)}})
        for field_name, value in (("campaign_id", query.campaign_id), ("actor_id", query.actor_id)):
            if value is not None:
                filters.append({"term": {field_name: value}})
        if query.since is not None or query.until is not None:
            rng: dict[str, Any] = {}
            if query.since is not None:
                rng["gte"] = _iso(query.since)
            if query.until is not None:
                rng["lt"] = _iso(query.until)
            filters.append({"range": {"last_seen": rng}})
        return {"bool": {"must": must or [{"match_all": {}}], "filter": filters}}

    def search(self, query: SearchQuery, tokens: list[str]) -> SearchHits:
        if query.sort == "relevance" and tokens:
            sort: list[Any] = ["_score", {"score": "desc"}, {"_doc": "desc"}]
        elif query.sort == "recent":
            sort = [{"last_seen": "desc"}, {"_doc": "desc"}]
        else:
            sort = [{"score": "desc"}, {"_doc": "desc"}]
        try:
            resp = self.client.search(
                index=self.index_name,
                query=self._bool(query, tokens),
                sort=sort,
                from_=query.offset,
                size=query.limit,
                track_total_hits=True if query.count_limit is None else query.count_limit,
                source=False,
            )
        except (es_exceptions.ApiError, es_exceptions.TransportError) as exc:
            raise SearchError(f"elasticsearch search in {self.index_name}: {exc}") from exc
        hits = resp["hits"]
        total = int(hits["total"]["value"])
        exact = hits["total"].get("relation", "eq") == "eq"
        if query.count_limit is not None and total >= query.count_limit and not exact:
            total = query.count_limit
        return SearchHits([int(h["_id"]) for h in hits["hits"]], total, exact=exact)

    def histogram(self, facet: FacetField, query: SearchQuery) -> list[Bucket]:
        resp = self.client.search(
            index=self.index_name,
            query=self._bool(query, []),
            size=0,
            aggs={
                "days": {
                    "date_histogram": {
                        "field": "first_seen",
                        "calendar_interval": "day",
                        "min_doc_count": 1,
                    },
                    "aggs": {"by": {"terms": _terms_agg(facet, 100)}},
                }
            },
        )
        out: list[Bucket] = []
        for day in resp["aggregations"]["days"]["buckets"]:
            when = date.fromisoformat(str(day["key_as_string"])[:10])
            for b in day["by"]["buckets"]:
                out.append(Bucket(when, str(b["key"]), int(b["doc_count"])))
        return sorted(out, key=lambda b: (b.day, b.key))

    def terms(self, facet: FacetField, query: SearchQuery, size: int = 20) -> list[tuple[str, int]]:
        resp = self.client.search(
            index=self.index_name,
            query=self._bool(query, []),
            size=0,
            aggs={"by": {"terms": _terms_agg(facet, size)}},
        )
        buckets = resp["aggregations"]["by"]["buckets"]
        pairs = [(str(b["key"]), int(b["doc_count"])) for b in buckets]
        return sorted(pairs, key=lambda p: (-p[1], p[0]))

    def watermark(self) -> tuple[int, datetime | None]:
        resp = self.client.search(
            index=self.index_name,
            size=0,
            aggs={
                "max_id": {"max": {"field": "listing_id"}},
                "max_seen": {"max": {"field": "last_seen"}},
            },
        )
        aggs = resp["aggregations"]
        max_id = int(aggs["max_id"]["value"] or 0)
        seen_ms = aggs["max_seen"]["value"]
        seen = datetime.fromtimestamp(seen_ms / 1000, tz=UTC) if seen_ms is not None else None
        return max_id, seen

    def ping(self) -> bool:
        try:
            return bool(self.client.ping())
        except es_exceptions.TransportError:
            return False

    def close(self) -> None:
        self.client.close()
