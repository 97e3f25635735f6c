"""Shared fixtures: databases (SQLite always, PostgreSQL when it answers) and settings.

A test that needs a service asks for its fixture; when the service is absent the
test is skipped with the reason printed (``-ra`` shows it in the summary).
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from leakguard import no_leaked_resources  # noqa: F401 - autouse, registered by import
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from lantian.config import Settings, get_settings, load_settings
from sandbox.server import SandboxServer
from store.db import make_engine, make_sessionmaker, upgrade

POSTGRES_ADMIN_URL = os.environ.get(
    "LANTIAN_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_TEST_URL = os.environ.get("LANTIAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _postgres_reason() -> str | None:
    try:
        engine = make_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        return f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {type(exc).__name__}"
    return None


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    reason = _postgres_reason()
    if reason:
        pytest.skip(reason)
    return POSTGRES_ADMIN_URL


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    with fresh_postgres(postgres_admin_url) as url:
        yield url


@contextmanager
def fresh_postgres(postgres_admin_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped when the block ends."""
    name = f"lantian_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = postgres_admin_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'lantian.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Runs the test once on SQLite and once on PostgreSQL (skipped with a reason if absent)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'lantian.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as s:
        yield s


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings isolated under tmp_path (data, evidence, keys), cached for get_settings()."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LANTIAN_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("LANTIAN_ALLOW_PRIVATE_NETWORKS", "true")
    get_settings.cache_clear()
    yield load_settings()
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def redis_url() -> str:
    try:
        import redis

        client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=2)
        client.ping()
        client.close()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"Redis not reachable at {REDIS_TEST_URL}: {type(exc).__name__}")
    return REDIS_TEST_URL


class ConnectionCounter:
    """A loopback port that accepts and counts TCP connections (what must never be reached)."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.port: int = self.listener.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._count)
        self._thread.start()

    def _count(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.listener.close()


@pytest.fixture
def connection_counter() -> Iterator[ConnectionCounter]:
    counter = ConnectionCounter()
    yield counter
    counter.close()


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    """One sandbox internet (seed 2025) on free loopback ports for the whole session.

    ``sandbox.urls[platform]`` gives base URLs, ``sandbox.truth()`` the ground
    truth.  It is shared: a test that takes a listing down restores it after
    (``sandbox.restore(url)``); slow pages wait 0.3 s here.
    """
    with SandboxServer(seed=2025, slow_delay=0.3) as server:
        yield server
