"""Liveness, readiness and Prometheus metrics.

Liveness and readiness need no login.  ``/metrics`` reveals traffic and crawl
figures, so it answers loopback clients only, or, when ``metrics_token`` is
set, whoever sends that token as a bearer token.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from api.deps import SearchDep, SessionDep, SettingsDep
from api.schemas import HealthOut
from api.security import is_loopback, tokens_match

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


def metrics_allowed(request: Request, token: str) -> bool:
    """With a configured token: the bearer token must match; without: loopback clients only."""
    if token:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and tokens_match(token, given.strip())
    return is_loopback(request.client.host if request.client else None)


@router.get("/metrics", response_class=Response, responses={403: {}})
def metrics(request: Request, settings: SettingsDep) -> Response:
    """Prometheus metrics: this app's requests, reviews and crawl figures read from the store
    (runs, pages, flags, capture failures, review queue), then the process-wide counters
    (runs started, alerts, scheduler jobs).  Loopback clients only, or the metrics token."""
    from campaigns.metrics import render

    if not metrics_allowed(request, settings.metrics_token.get_secret_value()):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "metrics are served to loopback clients or with the metrics token",
        )

    shared, _ = render()
    return Response(
        generate_latest(request.app.state.metrics.registry) + shared, media_type=CONTENT_TYPE_LATEST
    )
