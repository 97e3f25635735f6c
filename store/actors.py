"""Who stands behind listings: linked automatically by shared contacts, corrected by reviewers.

Automatic linking (:func:`link_actor`, called by the crawler's store stage)
joins listings that share a phone, WeChat, QQ, e-mail, agency code or agent
licence.  A reviewer can merge two actors or split listings off one
(:func:`merge_actors`, :func:`split_actor`); both go to the audit log with the
reason, and both are remembered so that a later crawl never undoes them: a
split records an :class:`ActorSeparation` that automatic linking will not
merge across, and a listing a reviewer placed is pinned to its actor.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, Result, delete, or_, select, update
from sqlalchemy.orm import Session

from store import audit
from store.bulk import complete_defaults, insert_new
from store.models import (
    Actor,
    ActorContact,
    ActorSeparation,
    Classification,
    Entity,
    Listing,
    ListingVersion,
)

LINKER = "system:actor-linker"


class ActorError(Exception):
    """A merge or split that cannot be done; the message says which actor and why."""


def _normalise(kind: str, value: str) -> tuple[str, str]:
    return kind.strip().lower()[:32], value.strip().lower()[:300]


#: an actor key for a forum account: the author of the post that made a thread's offer
POST_AUTHOR = "forum_author"


def post_author_keys(platform: str, post: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The offending post's author as an actor key (``platform:author``; names are only
    unique on their own forum), or nothing when the listing has no offending post."""
    author = (post or {}).get("author")
    if not isinstance(author, str) or not author.strip():
        return []
    return [(POST_AUTHOR, f"{platform}:{author.strip()}")]


def separated_pairs(session: Session, actor_ids: Iterable[int]) -> set[frozenset[int]]:
    """Pairs among ``actor_ids`` a reviewer declared to be different people."""
    ids = list(set(actor_ids))
    if len(ids) < 2:
        return set()
    rows = session.scalars(
        select(ActorSeparation).where(
            ActorSeparation.actor_id.in_(ids), ActorSeparation.other_actor_id.in_(ids)
        )
    ).all()
    return {frozenset((r.actor_id, r.other_actor_id)) for r in rows}


def _rowcount(result: Result[Any]) -> int:
    return int(cast(CursorResult[Any], result).rowcount or 0)


def _absorb(session: Session, target: Actor, other_id: int) -> tuple[int, int]:
    """Move ``other_id``'s contacts and listings to ``target``; returns (contacts, listings) moved."""
    session.flush()  # contacts and listings linked but not yet written move too
    contacts = _rowcount(
        session.execute(
            update(ActorContact).where(ActorContact.actor_id == other_id).values(actor_id=target.id)
        )
    )
    listings = _rowcount(
        session.execute(
            update(Listing).where(Listing.actor_id == other_id).values(actor_id=target.id)
        )
    )
    other = session.get(Actor, other_id)
    if other is not None:
        other.merged_into_id = target.id
    return contacts, listings


def link_actor(
    session: Session, listing: Listing, contacts: Iterable[tuple[str, str]]
) -> Actor | None:
    """Attach ``listing`` to the actor owning any of ``contacts`` (kind, value).

    No known contact: a new actor is made.  Contacts owned by several actors
    prove they are one: the others are merged into the oldest, unless a
    reviewer separated them.  A listing a reviewer placed (``actor_pinned``)
    stays where it is.  Returns ``None`` when there are no contacts at all.
    """
    return link_actors(session, [(listing, contacts)])[0]


def link_actors(
    session: Session, links: Sequence[tuple[Listing, Iterable[tuple[str, str]]]]
) -> list[Actor | None]:
    """:func:`link_actor` for each (listing, contacts) in turn, with the same rows as a
    result: one query finds the contacts already stored, and the contacts each link adds
    are seen by the links after it without a query or a flush of their own.  New actors,
    like new contacts, are inserted together (:class:`_Added`)."""
    wanted_each = [
        {_normalise(k, v) for k, v in contacts if k and v and v.strip()} for _, contacts in links
    ]
    keys = set().union(*wanted_each)
    known: dict[tuple[str, str], ActorContact] = {}
    held: Sequence[Actor] = ()
    # no autoflush: what the batch changed so far (its listings) goes with this call's one
    # flush, a row's changes in one UPDATE; the stored contacts do not depend on it
    with session.no_autoflush:
        if keys:
            rows = session.scalars(
                select(ActorContact).where(
                    ActorContact.value.in_({v for _, v in keys}),
                    ActorContact.kind.in_({k for k, _ in keys}),
                )
            ).all()
            known = {(c.kind, c.value): c for c in rows if (c.kind, c.value) in keys}
            # their owners in one query, held here: the session keeps only weak references,
            # and the links find them there (session.get) instead of one query each
            owners = {c.actor_id for c in known.values()} - set(_loaded_actor_ids(session))
            if owners:
                held = session.scalars(select(Actor).where(Actor.id.in_(owners))).all()
    added = _Added()
    with session.no_autoflush:
        actors = [
            _link(session, listing, wanted, known, added) if wanted else None
            for (listing, _), wanted in zip(links, wanted_each, strict=True)
        ]
    added.insert(session)
    session.flush()
    del held
    return actors


def _loaded_actor_ids(session: Session) -> list[int]:
    return [obj.id for obj in session.identity_map.values() if isinstance(obj, Actor)]


class _Added:
    """The actors and contacts a batch of links makes, inserted together when a link needs
    them in the database (a merge moves rows there) or an actor's id (it owns a contact a
    later link shares), else at the end: one executemany each (:func:`store.bulk.insert_new`)
    where each new actor was one INSERT of its own, for its id.  The ids are those inserting
    each at once would give: the actors go in the order they were made."""

    def __init__(self) -> None:
        self.actors: list[Actor] = []
        self.contacts: list[ActorContact] = []
        # what takes each waiting actor's id once it has one: its contacts and listings
        self.owners: list[list[ActorContact | Listing]] = []

    def new_actor(self, label: str) -> Actor:
        actor = Actor(label=label)
        complete_defaults(actor)
        self.actors.append(actor)
        self.owners.append([])
        return actor

    def owned_by(self, actor: Actor, obj: ActorContact | Listing) -> None:
        """``obj`` belongs to ``actor``: now, or once it is inserted."""
        if actor.id is not None:
            obj.actor_id = actor.id
        else:
            self.owners[self.actors.index(actor)].append(obj)

    def waits(self, listing: Listing) -> bool:
        """``listing`` was linked to an actor not inserted yet (linked twice in one batch)."""
        return any(obj is listing for owned in self.owners for obj in owned)

    def insert(self, session: Session) -> None:
        insert_new(session, self.actors, None)
        for actor, owned in zip(self.actors, self.owners, strict=True):
            for obj in owned:
                obj.actor_id = actor.id
        insert_new(session, self.contacts, ("kind", "value"))
        self.actors, self.contacts, self.owners = [], [], []


def _link(
    session: Session,
    listing: Listing,
    wanted: set[tuple[str, str]],
    known: dict[tuple[str, str], ActorContact],
    added: _Added,
) -> Actor:
    """One link; ``known`` holds the stored contacts among those wanted, and gets the new ones,
    which wait in ``added`` to be inserted, with any new actor (a merge moves contacts in the
    database and in these objects alike, so it inserts them first)."""
    owned = {key: known[key] for key in wanted if key in known}
    if any(c.actor_id is None for c in owned.values()) or added.waits(listing):
        added.insert(session)  # an actor this link builds on still waits for its id
    if listing.actor_pinned and listing.actor_id is not None:
        actor = session.get(Actor, listing.actor_id)
        assert actor is not None
    else:
        candidates = sorted(
            {c.actor_id for c in owned.values()}
            | ({listing.actor_id} if listing.actor_id else set())
        )
        if candidates:
            actor = session.get(Actor, candidates[0])
            assert actor is not None
            apart = separated_pairs(session, candidates)
            group = [actor.id]
            for other in candidates[1:]:
                if any(frozenset((other, member)) in apart for member in group):
                    continue
                added.insert(session)
                moved = _absorb(session, actor, other)
                group.append(other)
                audit.record(
                    session, LINKER, "actor.auto_merge", "actor", actor.id,
                    merged=other, contacts=moved[0], listings=moved[1],
                    via=sorted(f"{k}:{v}" for (k, v), c in owned.items() if c.actor_id == other),
                )  # fmt: skip
        else:
            actor = added.new_actor(sorted(wanted)[0][1])
    for kind, value in sorted(wanted - set(owned)):
        contact = known[(kind, value)] = ActorContact(kind=kind, value=value)
        added.owned_by(actor, contact)
        added.contacts.append(contact)
    added.owned_by(actor, listing)
    return actor


def _live_actor(session: Session, actor_id: int) -> Actor:
    actor = session.get(Actor, actor_id)
    if actor is None:
        raise ActorError(f"actor {actor_id} does not exist")
    if actor.merged_into_id is not None:
        raise ActorError(f"actor {actor_id} was merged into actor {actor.merged_into_id}")
    return actor


def merge_actors(
    session: Session, source_id: int, target_id: int, *, by: str, reason: str
) -> Actor:
    """A reviewer's merge: ``source`` becomes part of ``target`` (its listings and contacts move).

    A separation between the two, if any, is lifted: the newer decision wins.
    """
    if not reason.strip():
        raise ActorError("a merge needs a reason (it goes into the audit log)")
    if source_id == target_id:
        raise ActorError(f"cannot merge actor {source_id} into itself")
    source = _live_actor(session, source_id)
    target = _live_actor(session, target_id)
    session.execute(
        delete(ActorSeparation).where(
            or_(
                (ActorSeparation.actor_id == source.id)
                & (ActorSeparation.other_actor_id == target.id),
                (ActorSeparation.actor_id == target.id)
                & (ActorSeparation.other_actor_id == source.id),
            )
        )
    )
    contacts, listings = _absorb(session, target, source.id)
    audit.record(
        session, by, "actor.merge", "actor", target.id,
        merged=source.id, contacts=contacts, listings=listings, reason=reason.strip(),
    )  # fmt: skip
    session.flush()
    return target


def listing_contacts(session: Session, listing_ids: Sequence[int]) -> set[tuple[str, str]]:
    """The linking keys found in any version of the listings (the same keys the crawler links on)."""
    from classifiers import Entity as FoundEntity
    from classifiers import contact_keys

    if not listing_ids:
        return set()
    rows = session.execute(
        select(Entity.kind, Entity.value)
        .join(Classification, Entity.classification_id == Classification.id)
        .join(ListingVersion, Classification.version_id == ListingVersion.id)
        .where(ListingVersion.listing_id.in_(list(listing_ids)))
    ).all()
    found = [FoundEntity(kind=k, value=v, start=0, end=0) for k, v in rows]
    return {_normalise(k, v) for k, v in contact_keys(found)}


def split_actor(
    session: Session,
    actor_id: int,
    listing_ids: Sequence[int],
    *,
    by: str,
    reason: str,
    label: str = "",
) -> Actor:
    """A reviewer's split: ``listing_ids`` leave ``actor_id`` for a new actor.

    Contacts seen only on the moved listings go with them; contacts still seen
    on listings that stay remain.  The moved listings are pinned and the two
    actors are recorded as separate, so automatic linking never rejoins them.
    """
    if not reason.strip():
        raise ActorError("a split needs a reason (it goes into the audit log)")
    actor = _live_actor(session, actor_id)
    moving = session.scalars(
        select(Listing).where(Listing.id.in_(list(listing_ids)), Listing.actor_id == actor.id)
    ).all()
    missing = sorted(set(listing_ids) - {listing.id for listing in moving})
    if missing:
        raise ActorError(f"listings {missing} do not belong to actor {actor.id}")
    staying = session.scalars(
        select(Listing.id).where(Listing.actor_id == actor.id, Listing.id.not_in(list(listing_ids)))
    ).all()
    if not staying:
        raise ActorError(f"splitting off every listing of actor {actor.id} leaves it empty")
    moved_keys = listing_contacts(session, [listing.id for listing in moving])
    kept_keys = listing_contacts(session, list(staying))
    new = Actor(label=label.strip()[:200] or f"{actor.label}（拆分）"[:200])
    session.add(new)
    session.flush()
    contacts = 0
    for contact in list(actor.contacts):
        key = (contact.kind, contact.value)
        if key in moved_keys and key not in kept_keys:
            contact.actor_id = new.id
            contacts += 1
    for listing in moving:
        listing.actor_id = new.id
        listing.actor_pinned = True
    session.add(ActorSeparation(actor_id=actor.id, other_actor_id=new.id, decided_by=by,
                                reason=reason.strip()))  # fmt: skip
    audit.record(
        session, by, "actor.split", "actor", actor.id,
        new_actor=new.id, listings=sorted(listing.id for listing in moving),
        contacts=contacts, reason=reason.strip(),
    )  # fmt: skip
    session.flush()
    session.expire(actor, ["contacts"])
    return new
