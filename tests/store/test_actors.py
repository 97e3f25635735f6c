"""Actor linking is automatic, and a reviewer's merge or split survives every later crawl."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from store.actors import ActorError, link_actor, link_actors, merge_actors, split_actor
from store.listings import Observation, record_observation
from store.models import Actor, ActorContact, AuditEntry, Classification, Entity, Listing

T0 = datetime(2026, 11, 2, tzinfo=UTC)


def _listing(session: Session, n: int, contacts: list[tuple[str, str]]) -> Listing:
    url = f"https://m.example/item/{n}"
    rec = record_observation(
        session,
        Observation(platform_key="market", canonical_url=url, url=url, title=f"t{n}",
                    text="专利包授权", fetched_at=T0),
    )  # fmt: skip
    c = Classification(version_id=rec.version.id, irregular=True, score=0.9, categories=[])
    session.add(c)
    session.flush()
    for kind, value in contacts:
        session.add(Entity(classification_id=c.id, kind=kind, value=value, start=0, end=1))
    session.flush()
    link_actor(session, rec.listing, contacts)
    return rec.listing


def _owner(session: Session, kind: str, value: str) -> int:
    return session.scalars(
        select(ActorContact.actor_id).where(ActorContact.kind == kind, ActorContact.value == value)
    ).one()


def test_shared_contacts_link_and_bridge_actors(session: Session) -> None:
    a = _listing(session, 1, [("wechat", "wx1")])
    b = _listing(session, 2, [("phone", "13800000001")])
    assert a.actor_id != b.actor_id
    c = _listing(session, 3, [("wechat", "WX1 "), ("phone", "13800000001")])
    session.refresh(a), session.refresh(b)
    assert a.actor_id == b.actor_id == c.actor_id
    [entry] = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "actor.auto_merge")
    ).all()
    assert entry.actor == "system:actor-linker"


def test_a_batch_bridging_its_own_new_actors_merges_them(session: Session) -> None:
    """The third link joins two actors the same batch made: their contacts and listings,
    not yet written when the merge runs, end on the surviving actor."""
    a, b, c = (_listing(session, n, []) for n in (1, 2, 3))
    actors = link_actors(
        session,
        [(a, [("wechat", "wx1")]), (b, [("phone", "13800000001")]),
         (c, [("wechat", "wx1"), ("phone", "13800000001")])],
    )  # fmt: skip
    first, second, third = actors
    assert first is not None and second is not None and first.id != second.id
    assert third is first
    session.expire_all()
    assert {(x.kind, x.actor_id) for x in session.scalars(select(ActorContact))} == {
        ("wechat", first.id),
        ("phone", first.id),
    }
    assert [session.get(Listing, x.id).actor_id for x in (a, b, c)] == [first.id] * 3  # type: ignore[union-attr]
    assert session.get(Actor, second.id).merged_into_id == first.id  # type: ignore[union-attr]


def test_a_batch_inserts_its_new_actors_together_with_the_ids_of_one_at_a_time(
    session: Session,
) -> None:
    """Actors a batch makes wait and go in one INSERT; a link sharing a contact of a waiting
    actor inserts those made so far first (it needs the owner's id); ids, owners and
    listings are those of linking one at a time."""
    links = [
        [("wechat", "wx1")],
        [("phone", "13800000001")],
        [("qq", "10001")],
        [("phone", "13800000001"), ("email", "a@b.cn")],  # the second link's actor
        [("wechat", "wx9")],
    ]
    listings = [_listing(session, n, []) for n in range(1, 6)]
    statements: list[str] = []
    event.listen(session.connection(), "before_cursor_execute", lambda *a: statements.append(a[2]))
    actors = link_actors(session, list(zip(listings, links, strict=True)))
    assert sum(s.startswith("INSERT INTO actors ") for s in statements) == 2
    ids = [a.id for a in actors if a is not None]
    first = ids[0]
    assert ids == [first, first + 1, first + 2, first + 1, first + 3]
    session.expire_all()
    assert [session.get(Listing, x.id).actor_id for x in listings] == ids  # type: ignore[union-attr]
    owners = {(c.kind, c.value): c.actor_id for c in session.scalars(select(ActorContact))}
    assert owners == {
        ("wechat", "wx1"): first,
        ("phone", "13800000001"): first + 1,
        ("qq", "10001"): first + 2,
        ("email", "a@b.cn"): first + 1,
        ("wechat", "wx9"): first + 3,
    }
    assert [a.label for a in session.scalars(select(Actor).order_by(Actor.id))] == [
        "wx1", "13800000001", "10001", "wx9"
    ]  # fmt: skip


def test_a_listing_linked_twice_in_a_batch_keeps_its_first_actor(session: Session) -> None:
    a = _listing(session, 1, [])
    first, second = link_actors(session, [(a, [("qq", "1")]), (a, [("wechat", "w")])])
    assert first is second is not None
    session.expire_all()
    owners = {c.value: c.actor_id for c in session.scalars(select(ActorContact))}
    assert (
        owners == {"1": first.id, "w": first.id} and session.get(Listing, a.id).actor_id == first.id
    )  # type: ignore[union-attr]


def test_linking_a_batch_loads_known_owners_once_and_updates_a_listing_once(
    session: Session,
) -> None:
    """The owners of the stored contacts come in one query, and a listing the batch changed
    before linking (its title) is written with its actor in one UPDATE, not one per flush."""
    first = [_listing(session, n, [("qq", f"qq{n}")]) for n in (1, 2)]
    session.commit()
    session.expire_all()
    b = _listing(session, 3, [])
    b.title = "改过的标题"
    statements: list[str] = []
    event.listen(session.connection(), "before_cursor_execute", lambda *a: statements.append(a[2]))
    links = [(b, [("qq", "qq1"), ("wechat", "wx3")]), (first[1], [("qq", "qq2")])]
    actors = link_actors(session, links)
    assert sum(s.startswith("SELECT actors.") for s in statements) == 1
    updates = [s for s in statements if s.startswith("UPDATE listings")]
    assert len(updates) == 1 and "title" in updates[0] and "actor_id" in updates[0]
    session.expire_all()
    assert [a.id for a in actors if a is not None] == [x.actor_id for x in (first[0], first[1])]
    assert session.get(Listing, b.id).actor_id == first[0].actor_id  # type: ignore[union-attr]


def test_a_split_is_never_undone_by_automatic_linking(session: Session) -> None:
    a = _listing(session, 1, [("wechat", "wx1"), ("qq", "12345")])
    b = _listing(session, 2, [("wechat", "wx1"), ("phone", "13800000002")])
    assert a.actor_id == b.actor_id
    old = a.actor_id
    assert old is not None
    new = split_actor(session, old, [b.id], by="rev", reason="微信号被冒用")
    # the shared WeChat stays with the old actor; the phone seen only on b moves
    assert _owner(session, "wechat", "wx1") == old
    assert _owner(session, "phone", "13800000002") == new.id
    # b is crawled again with the same contacts: it stays with the new actor
    link_actor(session, b, [("wechat", "wx1"), ("phone", "13800000002")])
    assert b.actor_id == new.id and b.actor_pinned
    # a third listing bridging both actors does not rejoin them
    c = _listing(session, 3, [("qq", "12345"), ("phone", "13800000002")])
    assert c.actor_id in (old, new.id)
    session.refresh(a)
    assert a.actor_id == old and session.get(Actor, new.id).merged_into_id is None  # type: ignore[union-attr]
    # a reviewer may still merge them; the newer decision wins and lifts the separation
    merge_actors(session, new.id, old, by="sup", reason="核实为同一主体")
    session.refresh(b)
    assert b.actor_id == old
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions.count("actor.split") == 1 and actions.count("actor.merge") == 1


def test_decisions_need_a_reason_and_live_actors(session: Session) -> None:
    a = _listing(session, 1, [("wechat", "wx1")])
    b = _listing(session, 2, [("wechat", "wx2")])
    first, second = a.actor_id, b.actor_id
    assert first and second
    with pytest.raises(ActorError, match="reason"):
        merge_actors(session, first, second, by="rev", reason=" ")
    merge_actors(session, first, second, by="rev", reason="同一人")
    with pytest.raises(ActorError, match="merged into"):
        merge_actors(session, first, second, by="rev", reason="again")
    with pytest.raises(ActorError, match="do not belong"):
        split_actor(session, second, [999], by="rev", reason="x")


def test_the_profile_matches_the_register_and_the_risk_score_uses_it(session: Session) -> None:
    from classifiers.licensed import AgencyRecord
    from store.actor_profile import build_profile
    from store.licensed import import_register
    from store.models import ListingStatus

    import_register(
        session,
        [AgencyRecord("11001", "北京正道专利代理事务所", status="已吊销")],
        [],
        replace=True,
    )
    a = _listing(session, 1, [("agency_code", "11001"), ("wechat", "wx9")])
    b = _listing(session, 2, [("agency_code", "99999"), ("wechat", "wx9")])
    for x in (a, b):
        x.status, x.severity = ListingStatus.confirmed, "high"
    session.flush()
    actor = session.get(Actor, a.actor_id)
    assert actor is not None and a.actor_id == b.actor_id
    profile = build_profile(session, actor, now=T0)
    assert profile.register.status == "revoked"
    details = [f.detail for f in profile.register.findings]
    assert any("99999" in d for d in details) and any("已吊销" in d for d in details)
    parts = {p.key: p for p in profile.risk.parts}
    assert parts["register"].points == 20 and parts["register"].detail == "执业许可已撤销/注销"
    assert profile.risk.score == sum(p.points for p in profile.risk.parts)
    # a removed listing that is online again counts as a repeat after takedown
    a.removed_at, a.online = T0, True
    session.flush()
    again = build_profile(session, actor, now=T0)
    assert {p.key: p.points for p in again.risk.parts}["repeat"] == 10
    assert again.reappearances[0]["listing_id"] == a.id
