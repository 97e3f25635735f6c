"""Dashboard figures, answered by the search index (aggregations on Elasticsearch)."""

from __future__ import annotations

from datetime import datetime

from api.schemas import DashboardOut, SeriesPoint
from store import ListingStatus
from store.search import FacetField, SearchBackend, SearchQuery

FINDING_STATUSES = [
    str(s)
    for s in (
        ListingStatus.flagged,
        ListingStatus.confirmed,
        ListingStatus.escalated,
        ListingStatus.removed,
    )
]


def dashboard(
    backend: SearchBackend, since: datetime | None = None, until: datetime | None = None
) -> DashboardOut:
    """Findings (flagged, confirmed, escalated, removed listings) by category, platform and region,
    in total and per day first seen; ``since``/``until`` bound last_seen."""
    everything = SearchQuery(since=since, until=until)
    findings = SearchQuery(statuses=FINDING_STATUSES, since=since, until=until)

    def series(facet: FacetField) -> list[SeriesPoint]:
        return [
            SeriesPoint(day=b.day.isoformat(), key=b.key, count=b.count)
            for b in backend.histogram(facet, findings)
        ]

    by_status = dict(backend.terms("status", everything, size=20))
    return DashboardOut(
        backend=backend.name,
        total=sum(by_status.values()),
        by_status=by_status,
        by_category=dict(backend.terms("category", findings, size=20)),
        by_platform=dict(backend.terms("platform", findings, size=50)),
        by_region=dict(backend.terms("region", findings, size=50)),
        over_time_by_category=series("category"),
        over_time_by_platform=series("platform"),
        over_time_by_region=series("region"),
    )
