"""Who stands behind listings: linked across platforms by the contacts they share."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from store.models import Actor, ActorContact, Listing


def _normalise(kind: str, value: str) -> tuple[str, str]:
    return kind.strip().lower()[:32], value.strip().lower()[:300]


def link_actor(
    session: Session, listing: Listing, contacts: Iterable[tuple[str, str]]
) -> Actor | None:
    """Attach ``listing`` to the actor owning any of ``contacts`` (kind, value).

    No known contact: a new actor is made.  Contacts owned by several actors
    prove they are one: the others are merged into the oldest (their contacts
    and listings move).  Returns ``None`` when there are no contacts at all.
    """
    wanted = {_normalise(k, v) for k, v in contacts if k and v and v.strip()}
    if not wanted:
        return None
    rows = session.scalars(
        select(ActorContact).where(
            ActorContact.value.in_([v for _, v in wanted]),
            ActorContact.kind.in_([k for k, _ in wanted]),
        )
    ).all()
    owned = {(c.kind, c.value): c for c in rows if (c.kind, c.value) in wanted}
    actor_ids = sorted(
        {c.actor_id for c in owned.values()} | ({listing.actor_id} if listing.actor_id else set())
    )
    if actor_ids:
        actor = session.get(Actor, actor_ids[0])
        assert actor is not None
        for other in actor_ids[1:]:
            session.execute(
                update(ActorContact).where(ActorContact.actor_id == other).values(actor_id=actor.id)
            )
            session.execute(
                update(Listing).where(Listing.actor_id == other).values(actor_id=actor.id)
            )
    else:
        actor = Actor(label=sorted(wanted)[0][1])
        session.add(actor)
        session.flush()
    for kind, value in sorted(wanted - set(owned)):
        session.add(ActorContact(actor_id=actor.id, kind=kind, value=value))
    listing.actor_id = actor.id
    session.flush()
    return actor
