from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Integer, String, event, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from store.bulk import complete_defaults, insert_new
from store.listings import get_or_create_platform
from store.models import Actor, Listing, ListingStatus, ListingVersion

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _listing(platform_id: int, n: int, **kw: object) -> Listing:
    listing = Listing(
        platform_id=platform_id,
        canonical_url=f"https://m.example/item/{n}",
        url=f"https://m.example/item/{n}?spm=1",
        first_seen=T0,
        last_seen=T0,
        **kw,
    )
    complete_defaults(listing)
    return listing


def test_insert_new_writes_the_rows_a_flush_would_in_one_statement(session: Session) -> None:
    platform = get_or_create_platform(session, "market")
    flushed = _listing(platform.id, 0)
    session.add(flushed)
    session.flush()
    statements: list[str] = []
    event.listen(session.connection(), "before_cursor_execute", lambda *a: statements.append(a[2]))
    new = [_listing(platform.id, n, shop="店" if n == 2 else None) for n in (1, 2, 3)]
    insert_new(session, new, ("canonical_url",))

    assert [listing.id for listing in new] == [flushed.id + 1, flushed.id + 2, flushed.id + 3]
    assert sum(s.startswith("INSERT") for s in statements) == 1
    assert new[0].status is ListingStatus.new and new[0].categories == [] and new[0].online
    assert all(listing in session for listing in new)
    session.expire_all()
    stored = session.scalars(select(Listing).where(Listing.id.in_([n.id for n in new]))).all()
    assert [(s.shop, s.status, s.tier, s.actor_pinned) for s in stored] == [
        (None, ListingStatus.new, "none", False),
        ("店", ListingStatus.new, "none", False),
        (None, ListingStatus.new, "none", False),
    ]


def test_a_model_without_a_unique_key_gets_its_ids_from_returning(session: Session) -> None:
    """Actors have no unique column: insert_new reads the ids the INSERT returns, in the
    objects' order, the ids a flush of them one by one would have given."""
    flushed = Actor(label="先来的")
    session.add(flushed)
    session.flush()
    statements: list[str] = []
    event.listen(session.connection(), "before_cursor_execute", lambda *a: statements.append(a[2]))
    new = [Actor(label=label) for label in ("乙", "甲", "乙")]  # labels repeat, out of order
    for actor in new:
        complete_defaults(actor)
    insert_new(session, new, None)

    assert [actor.id for actor in new] == [flushed.id + 1, flushed.id + 2, flushed.id + 3]
    assert sum(s.startswith("INSERT") for s in statements) == 1
    session.expire_all()
    assert session.execute(select(Actor.id, Actor.label).order_by(Actor.id)).all() == [
        (flushed.id, "先来的"),
        *((actor.id, label) for actor, label in zip(new, ("乙", "甲", "乙"), strict=True)),
    ]


def test_an_inserted_object_changed_later_is_updated_by_the_next_flush(session: Session) -> None:
    platform = get_or_create_platform(session, "market")
    listing = _listing(platform.id, 1)
    insert_new(session, [listing], ("canonical_url",))
    version = ListingVersion(
        listing_id=listing.id, content_sha256="a" * 64, title="t", text="x", fields={},
        fetched_at=T0, run_id=None, http_status=200, encoding="utf-8",
    )  # fmt: skip
    insert_new(session, [version], ("listing_id", "content_sha256"))
    listing.current_version_id = version.id
    listing.title = "新标题"
    session.flush()
    session.expire_all()
    stored = session.get(Listing, listing.id)
    assert stored is not None
    assert (stored.current_version_id, stored.title) == (version.id, "新标题")
    assert stored.current_version is not None and stored.current_version.text == "x"


class _Scratch(DeclarativeBase):
    pass


class _Row(_Scratch):
    __tablename__ = "scratch_rows"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(8), server_default=text("'x'"))


def test_a_column_with_only_a_server_default_must_be_set() -> None:
    with pytest.raises(ValueError, match="name"):
        complete_defaults(_Row())  # type: ignore[arg-type]
