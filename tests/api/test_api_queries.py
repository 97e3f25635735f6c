"""Listing queries and review decisions on both databases (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.queries import find_listings, listing_filters, neighbours
from api.reviewing import ReviewError, apply_review
from lantian.config import Settings
from store.listings import Observation, record_observation
from store.models import AuditEntry, Listing, ListingStatus, Review, ReviewAction, Role, User
from store.search import index_listings, userdict_path
from store.search.fts import FtsBackend

T0 = datetime(2026, 7, 1, tzinfo=UTC)


def _listing(
    session: Session, n: int, *, platform: str, cats: list[str], score: float, region: str
) -> Listing:
    rec = record_observation(
        session,
        Observation(
            platform_key=platform,
            canonical_url=f"https://{platform}.example/{n}",
            url=f"https://{platform}.example/{n}",
            title=f"标题{n}",
            text="发明专利包授权" if "guaranteed_grant" in cats else "代理师证书挂靠",
            region=region,
            fetched_at=T0 + timedelta(hours=n),
        ),
    )
    listing = rec.listing
    listing.status, listing.categories, listing.score, listing.irregular = (
        ListingStatus.flagged,
        cats,
        score,
        True,
    )
    session.flush()
    return listing


def test_filters_search_and_reviews_on_both_databases(
    session: Session, tmp_path: Path, settings: Settings
) -> None:
    backend = FtsBackend(tmp_path / "search.sqlite3")
    a = _listing(session, 1, platform="market", cats=["guaranteed_grant"], score=0.9, region="北京")
    b = _listing(
        session,
        2,
        platform="forum",
        cats=["certificate_renting", "false_claims"],
        score=0.8,
        region="上海",
    )
    c = _listing(session, 3, platform="market", cats=["guaranteed_grant"], score=0.7, region="上海")
    user = User(username="li", password_hash="x", role=Role.reviewer)
    session.add(user)
    session.commit()
    index_listings(session, [a.id, b.id, c.id], backend=backend, settings=settings)

    def ids(**kw: object) -> list[int]:
        found = find_listings(
            session, backend, listing_filters(**kw), userdict=userdict_path(settings)
        )  # type: ignore[arg-type]
        return [listing.id for listing, _ in found.rows]

    assert ids(queue=True) == [a.id, b.id, c.id]
    assert ids(category=["false_claims"]) == [b.id]
    assert ids(platform=["market"], region=["上海"]) == [c.id]
    assert ids(since=T0 + timedelta(hours=2)) == [b.id, c.id]
    assert ids(q="包授权", queue=True) == [a.id, c.id]
    assert neighbours(session, b) == (a.id, c.id)

    apply_review(session, b, user, ReviewAction.escalate)
    with pytest.raises(ReviewError) as refused:
        apply_review(session, b, user, ReviewAction.confirm)
    assert refused.value.status_code == 403
    apply_review(session, a, user, ReviewAction.dismiss, "新闻报道")
    session.commit()
    index_listings(session, [a.id, b.id], backend=backend, settings=settings)
    assert ids(queue=True) == [c.id]
    assert ids(q="包授权", queue=True) == [c.id]
    assert ids(status=[ListingStatus.escalated]) == [b.id]
    assert [r.action for r in session.scalars(select(Review).order_by(Review.id))] == [
        "escalate",
        "dismiss",
    ]
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.action.startswith("review."))
    ).all()
    assert [(e.actor, e.detail["status_after"]) for e in entries] == [
        ("li", "escalated"),
        ("li", "dismissed"),
    ]
    backend.close()
