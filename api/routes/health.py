"""Liveness, readiness and Prometheus metrics (no authentication: no data is exposed)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from api.deps import SearchDep, SessionDep
from api.schemas import HealthOut

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthOut)
def healthz() -> HealthOut:
    """The process answers."""
    return HealthOut(status="ok")


@router.get("/readyz", response_model=HealthOut, responses={503: {"model": HealthOut}})
def readyz(session: SessionDep, search: SearchDep) -> Response:
    """The database and the search index answer."""
    checks: dict[str, str] = {}
    try:
        session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        checks["database"] = f"error: {type(exc).__name__}"
    checks["search"] = "ok" if search.ping() else "error: no answer"
    ok = all(v == "ok" for v in checks.values())
    body = HealthOut(status="ok" if ok else "unavailable", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)


@router.get("/metrics", response_class=Response)
def metrics(request: Request) -> Response:
    """Prometheus metrics: this app's requests, reviews and crawl figures read from the store
    (runs, pages, flags, capture failures, review queue), then the process-wide counters
    (runs started, alerts, scheduler jobs)."""
    from lantian.metrics import render

    shared, _ = render()
    return Response(
        generate_latest(request.app.state.metrics.registry) + shared, media_type=CONTENT_TYPE_LATEST
    )
