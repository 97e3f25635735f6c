"""``lantian index ...``: the search index (SQLite FTS5, or Elasticsearch when configured)."""

from __future__ import annotations

import time

import typer

from lantian.commands.common import settings_or_exit
from lantian.config import ConfigError, load_settings
from lantian.console import EXIT_CHECK_FAILED, err, fail, out
from store import engine_scope, make_sessionmaker, session_scope
from store.search import SearchError, open_backend, rebuild_index

app = typer.Typer(help="Build and inspect the search index.", no_args_is_help=True)


@app.command("rebuild")
def rebuild() -> None:
    """Empty the search index and index every listing from the database again."""
    settings = settings_or_exit()
    with engine_scope(settings.resolved_database_url, migrate=True) as engine:
        try:
            backend = open_backend(settings)
        except SearchError as exc:
            fail(str(exc), EXIT_CHECK_FAILED)
        started = time.perf_counter()
        try:
            with session_scope(make_sessionmaker(engine)) as session:
                n = rebuild_index(session, settings, backend)
        except SearchError as exc:
            fail(str(exc), EXIT_CHECK_FAILED)
        finally:
            backend.close()
    elapsed = time.perf_counter() - started
    err.print(f"indexed {n} listing(s) into {backend.name} in {elapsed:.1f} s")
    out.print(str(n), markup=False)


@app.command("status")
def status() -> None:
    """Which backend is configured and how many documents it holds."""
    try:
        settings = load_settings()
        backend = open_backend(settings)
    except (ConfigError, SearchError) as exc:
        fail(str(exc))
    out.print(f"{backend.name}\t{backend.count()}", markup=False)
    backend.close()
