"""The FastAPI application: ``create_app(settings)`` wires database, search, auth and routes."""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from redis.exceptions import RedisError
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.config import ApiSettings
from api.deps import LoginRequired
from api.indexing import IndexSyncer
from api.metrics import Metrics, MetricsMiddleware
from api.security import BodySizeLimitMiddleware, SecurityHeadersMiddleware
from campaigns.metrics import StoreCollector
from store import make_engine, make_sessionmaker, open_backends_for, upgrade
from store.search import open_backend, tokenize_query, userdict_path

UI_DIR = Path(__file__).resolve().parent / "ui"
log = logging.getLogger(__name__)


def create_app(
    settings: ApiSettings, *, migrate: bool = True, index_sync_s: float | None = 30.0
) -> FastAPI:
    """Build the app; with ``migrate`` the schema is brought to head at start-up, and every
    ``index_sync_s`` seconds listings the search index lacks are indexed (None: never).

    The shell reads the settings (``lantian.config``) and hands them in.
    """
    engine = make_engine(settings.resolved_database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if migrate:
            upgrade(engine)
        tokenize_query("预热", userdict_path(settings))  # load jieba now, not on the first search
        syncer = None
        if index_sync_s:
            syncer = IndexSyncer(
                app.state.sessionmaker, app.state.search, userdict_path(settings), index_sync_s
            )
            syncer.start()
        from campaigns import embedded_scheduler
        from takedown import recheck_due

        recheck = functools.partial(recheck_due, settings=settings)
        with embedded_scheduler(settings, recheck):  # starts one only when settings.embed_scheduler
            yield
        if syncer is not None:
            syncer.stop()
        app.state.search.close()
        app.state.store_collector.close()
        app.state.session_store.close()
        engine.dispose()

    app = FastAPI(
        title="Lantian review API",
        version=version("lantian"),
        description="Listings flagged by Lantian, their evidence, the reviewers' decisions, campaigns "
        "and takedown notices.  Authenticate with `Authorization: Bearer <token>` "
        "(create one at POST /api/v1/auth/tokens) or the UI's session cookie plus X-CSRF-Token.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    _set_state(app, settings, engine)
    _include_routes(app)
    _handle_errors(app)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_request_body_bytes)
    app.add_middleware(SecurityHeadersMiddleware)
    return app


def _set_state(app: FastAPI, settings: ApiSettings, engine: Engine) -> None:
    """What handlers reach through ``request.app.state``: settings, sessions, search, limits."""
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.search = open_backend(settings)
    app.state.session_store, app.state.login_limiter = open_backends_for(settings)
    app.state.session_policy = app.state.session_store.policy
    app.state.metrics = Metrics()
    app.state.store_collector = StoreCollector(settings.resolved_database_url)
    app.state.metrics.registry.register(app.state.store_collector)


def _include_routes(app: FastAPI) -> None:
    """The REST routers, then the UI's (in this order: the first route that matches wins)."""
    from api.routes import (
        actors,
        audit,
        auth,
        campaigns,
        dashboard,
        evidence,
        health,
        listings,
        offices,
        reviews,
        takedowns,
        users,
    )
    from api.ui import account, actor_views, takedown_views, views

    for module in (
        health,
        auth,
        listings,
        reviews,
        campaigns,
        evidence,
        users,
        audit,
        dashboard,
        takedowns,
        actors,
        offices,
    ):
        app.include_router(module.router)
        if module is takedowns:  # the takedown pages keep their place among the routes
            app.include_router(takedown_views.router)
    app.include_router(account.router)
    app.include_router(views.router)
    app.include_router(actor_views.router)
    app.mount("/static", StaticFiles(directory=UI_DIR / "static"), name="static")


def _handle_errors(app: FastAPI) -> None:
    """UI pages answer errors with a page, and send an anonymous visitor to the login form."""
    from api.ui import views

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        page = views.ui_http_error(request, exc)
        return page if page is not None else await http_exception_handler(request, exc)

    @app.exception_handler(RedisError)
    async def _sessions_unavailable(request: Request, exc: RedisError) -> Response:
        """Redis (the session store) is away: say so with 503, not a 500 traceback."""
        log.warning("session store unavailable: %s", exc)
        return JSONResponse(
            {"detail": "the session store (Redis) is unavailable; try again shortly"},
            status_code=503,
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(LoginRequired)
    async def _to_login(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={quote(exc.next_path, safe='')}", status_code=303)
