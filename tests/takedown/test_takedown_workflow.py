"""The notice workflow: every transition allowed or refused as the table says, roles, dates, audit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session
from td_seed import T0, Seeded, add_listing, sqlite_only_session

from store.models import AuditEntry, ItemStatus, ListingStatus, NoticeStatus, TakedownNotice
from takedown.categories import default_catalog
from takedown.document import build_document
from takedown.errors import InvalidTransition, PermissionDenied
from takedown.exporters.common import FORMULA_TRIGGERS, guard_cell
from takedown.grouping import draft_notices, pending_listings
from takedown.workflow import TRANSITIONS, approve, transition


@pytest.fixture
def session(sqlite_url: str) -> Iterator[Session]:
    """SQLite only (see td_seed.sqlite_only_session)."""
    with sqlite_only_session(sqlite_url) as s:
        yield s


def _notice(session: Session, seeded: Seeded) -> TakedownNotice:
    notices = draft_notices(session, seeded.reviewer, platform_key="jd", now=T0).created
    assert len(notices) == 1
    return notices[0]


def _walk_to(
    session: Session, notice: TakedownNotice, seeded: Seeded, target: NoticeStatus
) -> None:
    path = {
        NoticeStatus.draft: [],
        NoticeStatus.approved: [NoticeStatus.approved],
        NoticeStatus.sent: [NoticeStatus.approved, NoticeStatus.sent],
        NoticeStatus.acknowledged: [
            NoticeStatus.approved,
            NoticeStatus.sent,
            NoticeStatus.acknowledged,
        ],
        NoticeStatus.partly_removed: [
            NoticeStatus.approved,
            NoticeStatus.sent,
            NoticeStatus.partly_removed,
        ],
        NoticeStatus.removed: [NoticeStatus.approved, NoticeStatus.sent, NoticeStatus.removed],
        NoticeStatus.refused: [NoticeStatus.approved, NoticeStatus.sent, NoticeStatus.refused],
    }[target]
    for step in path:
        transition(session, notice, step, seeded.supervisor, at=T0)


def test_transition_table_is_enforced(session: Session, seeded: Seeded) -> None:
    for n, start in enumerate(NoticeStatus):
        add_listing(
            session,
            "pdd",
            f"https://mobile.yangkeduo.com/goods.html?id={n}",
            title="t",
            text="x",
            shop=f"店{n}",
            categories=["guaranteed_grant"],
        )
        [notice] = draft_notices(session, seeded.reviewer, platform_key="pdd", now=T0).created
        _walk_to(session, notice, seeded, start)
        for target in NoticeStatus:
            if target in TRANSITIONS[start]:
                continue
            with pytest.raises(
                InvalidTransition, match=f"is {start.value}; it cannot become {target.value}"
            ):
                transition(session, notice, target, seeded.supervisor)
        assert notice.status is start


def test_grouping_and_approval_rules(session: Session, seeded: Seeded) -> None:
    result = draft_notices(session, seeded.reviewer, now=T0)
    assert result.listings == 4
    groups = sorted((n.platform.key, n.shop, len(n.items)) for n in result.created)
    assert groups == [
        ("jd", "京东某店", 1),
        ("taobao", "-恶意店铺 ::items::", 1),
        ("taobao", "快通知识产权", 2),
    ]
    assert pending_listings(session) == []
    assert draft_notices(session, seeded.reviewer).listings == 0

    # a new confirmed listing of an existing shop joins its open draft
    add_listing(
        session,
        "taobao",
        "https://item.taobao.com/item.htm?id=77",
        title="x",
        text="y",
        shop="快通知识产权",
        categories=["guaranteed_grant"],
    )
    again = draft_notices(session, seeded.reviewer, now=T0)
    assert not again.created and [len(n.items) for n in again.extended] == [3]

    notice = next(n for n in result.created if n.platform.key == "jd")
    with pytest.raises(PermissionDenied, match="needs a supervisor"):
        approve(session, notice, seeded.reviewer)
    approve(session, notice, seeded.supervisor, at=T0)
    # 14 working days (JD's channel) from Monday 2 November: Friday 20 November, end of day in Beijing
    assert notice.approved_by_id == seeded.supervisor.id
    assert notice.deadline == datetime(2026, 11, 20, 15, 59, 59, tzinfo=UTC)
    transition(session, notice, NoticeStatus.draft, seeded.supervisor, note="wrong shop")
    assert notice.deadline is None and notice.approved_at is None
    approve(session, notice, seeded.supervisor, at=T0)
    with pytest.raises(PermissionDenied, match="needs a supervisor"):
        transition(session, notice, NoticeStatus.sent, seeded.reviewer)
    transition(session, notice, NoticeStatus.sent, seeded.supervisor, at=T0 + timedelta(hours=1))
    transition(
        session,
        notice,
        NoticeStatus.removed,
        seeded.reviewer,
        at=T0 + timedelta(days=2),
        note="平台回函",
    )
    assert notice.closed_at == T0 + timedelta(days=2)
    [item] = notice.items
    assert item.status is ItemStatus.removed and item.listing.status is ListingStatus.removed
    assert not item.listing.online

    trail = session.execute(
        select(AuditEntry.actor, AuditEntry.action, AuditEntry.detail)
        .where(AuditEntry.object_type == "takedown_notice", AuditEntry.object_id == str(notice.id))
        .order_by(AuditEntry.id)
    ).all()
    assert [(a, b) for a, b, _ in trail] == [
        ("rev", "takedown.draft"),
        ("sup", "takedown.approved"),
        ("sup", "takedown.draft"),
        ("sup", "takedown.approved"),
        ("sup", "takedown.sent"),
        ("rev", "takedown.removed"),
    ]
    assert trail[-1][2]["note"] == "平台回函" and trail[-1][2]["previous"] == "sent"


def test_category_names_and_legal_bases_come_from_the_rules(
    session: Session, seeded: Seeded
) -> None:
    notice = _notice(session, seeded)
    doc = build_document(
        session, notice, office_name="局", office_contact="", catalog=default_catalog()
    )
    [item] = doc.items
    assert (
        item.categories[0].key == "guaranteed_grant"
        and item.categories[0].name != "guaranteed_grant"
    )
    assert item.legal_basis, "the category's legal bases from rules/categories.yaml"


@given(st.text(max_size=30))
def test_guarded_cells_never_start_a_formula(value: str) -> None:
    guarded = guard_cell(value)
    assert isinstance(guarded, str)
    if guarded:
        assert guarded[0] not in FORMULA_TRIGGERS and guarded.lstrip()[:1] not in (
            "=",
            "+",
            "-",
            "@",
        )
    assert guarded in (value, "'" + value)


def test_channel_resolution_by_key_alias_host_and_fallback() -> None:
    from takedown.platforms import default_registry

    registry = default_registry()
    assert registry.resolve("zhiquanba", channel_override="baidu_tieba").key == "baidu"
    assert registry.resolve("taobaobei").key == "alibaba_ipp"
    assert registry.resolve("unknown", url="https://item.jd.com/1.html").key == "jd_ipr"
    assert (
        registry.resolve("unknown", url="https://mobile.yangkeduo.com/goods.html").key == "pdd_ipp"
    )
    assert registry.resolve("unknown", url="https://evil.example/jd.com").key == "generic"
    signals = registry.resolve("taobao").removal_signals
    assert (
        404 in signals.status_codes
        and "此宝贝已下架" in signals.text_markers
        and "该商品已下架" in signals.text_markers
    )
