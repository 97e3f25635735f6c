"""API fixtures: an app on a fresh database, users of each role, logged-in clients."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from lantian.config import Settings
from store.db import make_engine, session_scope, upgrade
from store.models import Role, User
from store.users import create_api_token, hash_password
from tests.api.sessionkit import SessionBackendKit

PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty database at the newest schema, built once and copied for each test."""
    path = tmp_path_factory.mktemp("template") / "lantian.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def password_hash() -> str:
    """argon2 is slow on purpose; hash the test password once."""
    return hash_password(PASSWORD)


@pytest.fixture(params=["database", pytest.param("redis", marks=pytest.mark.redis)])
def session_backend(request: pytest.FixtureRequest) -> Iterator[SessionBackendKit]:
    """Each session backend in turn; a module runs its tests on both by overriding
    ``settings`` with ``session_backend.apply(settings)``."""
    url = request.getfixturevalue("redis_url") if request.param == "redis" else None
    kit = SessionBackendKit(request.param, url)
    yield kit
    kit.close()


@pytest.fixture
def app(settings: Settings, migrated_db: Path) -> Iterator[FastAPI]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(migrated_db, settings.data_dir / "lantian.db")
    application = create_app(settings, migrate=False, index_sync_s=None)
    with TestClient(application):
        yield application


@pytest.fixture
def db(app: FastAPI) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = app.state.sessionmaker
    return factory


@pytest.fixture
def users(db: sessionmaker[Session], password_hash: str) -> dict[str, str]:
    """role name -> bearer token; one user per role, named after the role."""
    tokens: dict[str, str] = {}
    with session_scope(db) as s:
        for role in Role:
            user = User(
                username=str(role), display_name=str(role), password_hash=password_hash, role=role
            )
            s.add(user)
            s.flush()
            tokens[str(role)] = create_api_token(s, user, "test", by="test").secret
    return tokens


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """An anonymous client on loopback (as a local browser or Prometheus would be)."""
    with TestClient(app, base_url="http://127.0.0.1", client=("127.0.0.1", 50000)) as c:
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


# --- seeding --------------------------------------------------------------------------------

import hashlib  # noqa: E402
import itertools  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from typing import Any  # noqa: E402

from store.listings import Observation, record_observation  # noqa: E402
from store.models import (  # noqa: E402
    Actor,
    ActorContact,
    Classification,
    Entity,
    EvidenceArtifact,
    EvidenceCapture,
    ListingStatus,
    RuleHit,
)
from store.search import index_listings  # noqa: E402

_counter = itertools.count(1)
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@dataclass
class Seeder:
    """Writes listings the way the crawler would, plus classification, hits and captures."""

    app: FastAPI

    def listing(
        self,
        title: str,
        text: str,
        *,
        platform: str = "market",
        status: ListingStatus = ListingStatus.flagged,
        categories: tuple[str, ...] = ("guaranteed_grant",),
        severity: str = "high",
        score: float = 0.9,
        region: str | None = "北京",
        hits: list[tuple[str, str]] | None = None,
        actor_id: int | None = None,
        when: datetime | None = None,
        screenshot: bytes | None = None,
        **extra: Any,
    ) -> int:
        """Store one listing; ``hits`` are (rule, matched substring) located in title+"\\n"+text."""
        n = next(_counter)
        url = f"https://{platform}.example/item/{n}"
        when = when or T0 + timedelta(days=n % 5)
        with session_scope(self.app.state.sessionmaker) as s:
            rec = record_observation(
                s,
                Observation(
                    platform_key=platform,
                    canonical_url=url,
                    url=url,
                    title=title,
                    text=text,
                    region=region,
                    fetched_at=when,
                    shop=extra.get("shop", f"店铺{n}"),
                    seller=extra.get("seller"),
                ),
            )
            listing = rec.listing
            listing.status = status
            listing.irregular = status != ListingStatus.new or score >= 0.5
            listing.score = score
            listing.severity = severity
            listing.categories = list(categories)
            listing.actor_id = actor_id
            full = title + "\n" + text
            c = Classification(
                version_id=rec.version.id,
                irregular=True,
                score=score,
                severity=severity,
                categories=list(categories),
                rules_version="test",
            )
            s.add(c)
            s.flush()
            for rule, match in hits or []:
                start = full.index(match)
                s.add(
                    RuleHit(
                        classification_id=c.id,
                        rule=rule,
                        category=categories[0],
                        severity=severity,
                        start=start,
                        end=start + len(match),
                        match=match,
                        explanation=f"承诺结果：{match}",
                        legal_basis="商标法第六十八条",
                    )
                )
            if "wx" in text:
                s.add(Entity(classification_id=c.id, kind="wechat", value="wx123", start=0, end=1))
            if screenshot is not None:
                sha = hashlib.sha256(screenshot).hexdigest()
                from evidence.store import LocalArtifactStore

                LocalArtifactStore(self.app.state.settings.resolved_evidence_dir).put(screenshot)
                cap = EvidenceCapture(
                    listing_id=listing.id,
                    capture_uid=f"cap-{n}",
                    manifest_sha256=hashlib.sha256(url.encode()).hexdigest(),
                    url=url,
                    final_url=url,
                    http_status=200,
                    captured_at=when,
                    screenshot_sha256=sha,
                    verified_ok=True,
                    verified_at=when,
                )
                s.add(cap)
                s.flush()
                s.add(
                    EvidenceArtifact(
                        capture_id=cap.id,
                        kind="screenshot",
                        sha256=sha,
                        size=len(screenshot),
                        media_type="image/png",
                    )
                )
            s.flush()
            index_listings(
                s, [listing.id], backend=self.app.state.search, settings=self.app.state.settings
            )
            return listing.id

    def actor(self, label: str, wechat: str) -> int:
        with session_scope(self.app.state.sessionmaker) as s:
            a = Actor(label=label)
            s.add(a)
            s.flush()
            s.add(ActorContact(actor_id=a.id, kind="wechat", value=wechat))
            return a.id


@pytest.fixture
def seed(app: FastAPI) -> Seeder:
    return Seeder(app)


def tiny_png() -> bytes:
    """A valid 1x1 PNG."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"\x00\xff\x00\x00"
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def png() -> bytes:
    return tiny_png()
