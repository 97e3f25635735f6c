"""Dashboard figures for charts: findings over time by category, platform and region."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, HTTPException, status

from api.deps import CurrentUser, SearchDep
from api.queries import aware_utc
from api.schemas import DashboardOut
from api.stats import dashboard
from store.search import SearchError

router = APIRouter(prefix="/api/v1/dashboard", tags=["dashboard"])


@router.get("", response_model=DashboardOut, responses={503: {}})
def get_dashboard(
    user: CurrentUser,
    search: SearchDep,
    since: datetime | None = None,
    until: datetime | None = None,
) -> DashboardOut:
    """Counts by status; findings by category, platform, region, in total and per day first seen."""
    try:
        return dashboard(search, aware_utc(since), aware_utc(until))
    except SearchError as exc:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, f"search unavailable: {exc}"
        ) from exc
