from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from store.audit import record
from store.listings import Observation, record_observation
from store.models import AuditEntry, Listing, ListingVersion


def _obs(url: str, text_: str, when: datetime, **kw: object) -> Observation:
    return Observation(
        platform_key="market",
        canonical_url=url,
        url=url + "?spm=1",
        title="标题",
        text=text_,
        fetched_at=when,
        **kw,  # type: ignore[arg-type]
    )


def test_same_url_is_one_listing_and_changes_become_versions(session: Session) -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    first = record_observation(session, _obs("https://m.example/item/1", "专利包授权", t0))
    assert first.created and first.changed

    again = record_observation(
        session, _obs("https://m.example/item/1", "专利包授权", t0 + timedelta(days=1))
    )
    assert not again.created and not again.changed
    assert again.listing.id == first.listing.id
    assert again.listing.last_seen == t0 + timedelta(days=1)
    assert again.listing.first_seen == t0

    changed = record_observation(
        session, _obs("https://m.example/item/1", "专利代理 不承诺结果", t0 + timedelta(days=2))
    )
    assert changed.changed and not changed.created
    session.commit()

    assert session.scalar(select(func.count()).select_from(Listing)) == 1
    versions = session.scalars(select(ListingVersion).order_by(ListingVersion.id)).all()
    assert [v.text for v in versions] == ["专利包授权", "专利代理 不承诺结果"]
    listing = session.scalars(select(Listing)).one()
    assert listing.current_version_id == versions[1].id


def test_out_of_order_observation_keeps_latest_last_seen(session: Session) -> None:
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    record_observation(session, _obs("https://m.example/item/2", "a", t0))
    rec = record_observation(
        session, _obs("https://m.example/item/2", "a", t0 - timedelta(hours=1))
    )
    assert rec.listing.last_seen == t0


def test_versions_and_audit_are_append_only(session: Session) -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    rec = record_observation(session, _obs("https://m.example/item/3", "原文", t0))
    record(session, "tester", "create", "listing", rec.listing.id)
    session.commit()
    for statement in (
        "UPDATE listing_versions SET text = 'edited'",
        "DELETE FROM listing_versions",
        "UPDATE audit_log SET actor = 'someone else'",
        "DELETE FROM audit_log",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text(statement))
        session.rollback()
    assert session.scalar(select(AuditEntry.actor)) == "tester"


def test_naive_datetimes_are_refused(session: Session) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        record_observation(session, _obs("https://m.example/item/4", "a", datetime(2026, 1, 1)))
        session.flush()
