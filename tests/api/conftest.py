"""API fixtures: an app on a fresh database, users of each role, logged-in clients."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from lantian.config import Settings
from store.db import session_scope
from store.models import Role
from store.users import create_api_token, create_user

PASSWORD = "correct horse battery"


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    application = create_app(settings)
    with TestClient(application):  # runs the lifespan: migrations
        yield application


@pytest.fixture
def db(app: FastAPI) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = app.state.sessionmaker
    return factory


@pytest.fixture
def users(db: sessionmaker[Session]) -> dict[str, str]:
    """username -> bearer token, one user per role."""
    tokens: dict[str, str] = {}
    with session_scope(db) as s:
        for role in Role:
            user = create_user(s, str(role), PASSWORD, role)
            tokens[str(role)] = create_api_token(s, user, "test", by="test").secret
    return tokens


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c


@pytest.fixture
def reviewer(app: FastAPI, users: dict[str, str]) -> Iterator[TestClient]:
    with TestClient(app, headers=bearer(users["reviewer"])) as c:
        yield c


@pytest.fixture
def supervisor(app: FastAPI, users: dict[str, str]) -> Iterator[TestClient]:
    with TestClient(app, headers=bearer(users["supervisor"])) as c:
        yield c


@pytest.fixture
def admin(app: FastAPI, users: dict[str, str]) -> Iterator[TestClient]:
    with TestClient(app, headers=bearer(users["admin"])) as c:
        yield c
