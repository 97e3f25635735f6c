"""A verdict's tier, genre and per-hit stance are stored; a watch page is kept, not flagged."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from classifiers import load_default_classifier
from store.classifications import apply_verdict, record_verdict
from store.listings import Observation, record_observation
from store.models import IndexOutbox, ListingStatus

WATCH_TITLE = "转让来的专利能评职称吗？"
WATCH_TEXT = (
    "一般来说，评审时只看证书上的发明人，转让获得的专利一样可以加分，选择授权未缴费的专利即可。"
    "时间来不及的话，可以选择转让，这是最快捷的办法。\n以上就是本文的介绍。"
)


def _store(session: Session, url: str, title: str, text: str) -> tuple[object, object]:
    rec = record_observation(
        session,
        Observation(
            platform_key="search",
            canonical_url=url,
            url=url,
            title=title,
            text=text,
            fetched_at=datetime(2026, 12, 1, tzinfo=UTC),
        ),
    )
    verdict = load_default_classifier().classify(text, title)
    classification = record_verdict(session, rec.version, verdict)
    apply_verdict(session, rec.listing, classification)
    session.flush()
    return rec.listing, classification


def test_watch_page_is_kept_with_its_tier_but_not_flagged(session: Session) -> None:
    listing, classification = _store(session, "https://s.example/a", WATCH_TITLE, WATCH_TEXT)
    assert listing.tier == "watch" and listing.status == ListingStatus.new  # type: ignore[attr-defined]
    assert not listing.irregular  # type: ignore[attr-defined]
    assert classification.genre == "explainer"  # type: ignore[attr-defined]
    hits = classification.hits  # type: ignore[attr-defined]
    assert hits and all(h.stance and h.block is not None and not h.counted for h in hits)
    assert any(h.stance == "promoted" for h in hits)
    assert classification.blocks and classification.blocks[0]["kind"] == "title"  # type: ignore[attr-defined]


def test_offer_is_flagged_with_its_offending_block(session: Session) -> None:
    listing, classification = _store(
        session,
        "https://s.example/b",
        "实用新型专利申请",
        "资料齐全当天提交。\n实用新型包授权，不下证全额退款，加V详聊。",
    )
    assert listing.tier == "offer" and listing.status == ListingStatus.flagged  # type: ignore[attr-defined]
    assert classification.offending_block == 2  # type: ignore[attr-defined]
    counted = [h for h in classification.hits if h.counted]  # type: ignore[attr-defined]
    assert counted and all(h.stance == "offered" for h in counted)


def test_a_status_the_crawl_changes_reaches_the_index_outbox(session: Session) -> None:
    url, title = "https://s.example/c", "实用新型专利申请"
    listing, _ = _store(session, url, title, "资料齐全当天提交，官费另计。")
    assert listing.status == ListingStatus.new  # type: ignore[attr-defined]
    assert session.scalar(select(func.count()).select_from(IndexOutbox)) == 0

    listing, _ = _store(session, url, title, "实用新型包授权，不下证全额退款，加V详聊。")
    assert listing.status == ListingStatus.flagged  # type: ignore[attr-defined]
    queued = session.scalars(select(IndexOutbox.listing_id)).all()
    assert queued == [listing.id]  # type: ignore[attr-defined]
