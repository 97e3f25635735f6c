"""Seed confirmed findings straight into the store (no crawler needed)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from store.db import make_engine, make_sessionmaker, upgrade
from store.listings import Observation, get_or_create_platform, record_observation
from store.models import EvidenceCapture, Listing, ListingStatus, Role, SourceKind, User
from takedown.categories import StaticCatalog

T0 = datetime(2026, 11, 2, 8, 30, tzinfo=UTC)

CATALOG = StaticCatalog(
    names={"guaranteed_grant": "承诺授权结果", "certificate_renting": "挂证、出租出借资质"},
    bases={
        "guaranteed_grant": ["《专利代理条例》第二十五条", "《商标法》第六十八条第一款第（二）项"],
        "certificate_renting": ["《专利代理条例》第十一条、第十六条"],
    },
)


@dataclass
class Seeded:
    listings: list[Listing]
    supervisor: User
    reviewer: User


def add_user(session: Session, username: str, role: Role) -> User:
    user = User(username=username, display_name=username.title(), password_hash="x", role=role)
    session.add(user)
    session.flush()
    return user


def add_listing(
    session: Session,
    platform_key: str,
    url: str,
    *,
    title: str,
    text: str,
    shop: str | None,
    categories: list[str],
    region: str = "浙江",
    seen: datetime = T0,
    capture: bool = True,
) -> Listing:
    get_or_create_platform(session, platform_key, kind=SourceKind.marketplace)
    rec = record_observation(
        session,
        Observation(
            platform_key=platform_key,
            canonical_url=url,
            url=url,
            title=title,
            text=text,
            shop=shop,
            seller=f"{shop}经营者" if shop else None,
            region=region,
            fields={"price": "3800元"},
            fetched_at=seen,
        ),
    )
    listing = rec.listing
    listing.status = ListingStatus.confirmed
    listing.irregular = True
    listing.categories = categories
    if capture:
        session.add(
            EvidenceCapture(
                listing_id=listing.id,
                capture_uid=f"cap-{listing.id:04d}",
                manifest_sha256=f"{listing.id:064x}",
                url=url,
                final_url=url,
                http_status=200,
                captured_at=seen + timedelta(minutes=5),
                screenshot_sha256=f"{listing.id + 1000:064x}",
                reason="flagged",
            )
        )
    session.flush()
    return listing


@contextmanager
def sqlite_only_session(url: str) -> Iterator[Session]:
    """A migrated SQLite session, for modules whose subject does not depend on the database.

    The PostgreSQL side of the takedown package is exercised by the sandbox loop test,
    which runs on both; the rest stay on SQLite to keep the suite fast.
    """
    engine = make_engine(url)
    upgrade(engine)
    with make_sessionmaker(engine)() as session:
        yield session
    engine.dispose()
