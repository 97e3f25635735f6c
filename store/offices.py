"""Responsible offices on findings and actors: derived with a reason, or transferred by a supervisor.

Derivation (``classifiers.offices.derive_office``) runs over the stored
listing: the register entry of an agency it names, its own text, its phone
numbers and the platform's region field.  An actor takes the office of its
listing with the strongest signal.  A supervisor's transfer is a decision:
derivation never overwrites it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from classifiers import (
    SOURCE_LABELS,
    LicensedRegistry,
    OfficeChoice,
    OfficeDirectory,
    derive_office,
)
from store import audit
from store.actor_profile import generic_name
from store.licensed import load_registry
from store.models import Actor, Classification, Entity, Listing, ListingStatus, ListingVersion

TRANSFER = "transfer"
FALLBACK = "fallback"
SOURCE_RANK: tuple[str, ...] = (
    TRANSFER, "agency_address", "shop_region", "landline", "mobile_prefix", "platform_region",
    FALLBACK,
)  # fmt: skip
FINDING_STATUSES = (
    ListingStatus.flagged,
    ListingStatus.confirmed,
    ListingStatus.escalated,
    ListingStatus.removed,
)


class OfficeTransferError(Exception):
    """A transfer that cannot be made; the message names the actor or office."""


@dataclass(frozen=True)
class AssignReport:
    listings: int
    actors: int
    by_source: dict[str, int]


def _entities(session: Session, listing: Listing) -> list[tuple[str, str]]:
    if listing.current_version_id is None:
        return []
    rows = session.execute(
        select(Entity.kind, Entity.value)
        .join(Classification, Entity.classification_id == Classification.id)
        .where(Classification.version_id == listing.current_version_id)
    ).all()
    return [(k, v) for k, v in rows]


def _agency(registry: LicensedRegistry, entities: list[tuple[str, str]]) -> tuple[str, str] | None:
    for kind, value in entities:
        record = None
        if kind == "agency_code":
            record = registry.agency_by_code(value)
        elif kind == "company" and not generic_name(value):
            record = registry.agency_by_name(value)
        if record is not None and record.address:
            return record.name, record.address
    return None


def derive_for_listing(
    session: Session, listing: Listing, directory: OfficeDirectory, registry: LicensedRegistry
) -> OfficeChoice | None:
    entities = _entities(session, listing)
    version = (
        session.get(ListingVersion, listing.current_version_id)
        if listing.current_version_id
        else None
    )
    text = f"{listing.title}\n{version.text if version else ''}"
    return derive_office(
        directory,
        agency=_agency(registry, entities),
        text=text,
        phones=[v for k, v in entities if k == "phone"],
        platform_region=listing.region,
    )


def assign_offices(
    session: Session,
    directory: OfficeDirectory,
    *,
    fallback_code: str,
    listing_ids: Sequence[int] | None = None,
) -> AssignReport:
    """Give every finding (and its actor) a responsible office with the reason; transfers stay.

    A finding with no location signal goes to ``fallback_code``, the monitoring
    office, and says so.
    """
    fallback = directory.get(fallback_code)
    registry = load_registry(session)
    query = select(Listing).where(Listing.status.in_(FINDING_STATUSES))
    if listing_ids is not None:
        query = query.where(Listing.id.in_(list(listing_ids)))
    by_source: Counter[str] = Counter()
    actors: set[int] = set()
    count = 0
    for listing in session.scalars(query.order_by(Listing.id)):
        count += 1
        if listing.actor_id is not None:
            actors.add(listing.actor_id)
        if listing.office_source == TRANSFER:
            by_source[TRANSFER] += 1
            continue
        choice = derive_for_listing(session, listing, directory, registry)
        if choice is None:
            listing.office_code, listing.office_source = fallback.code, FALLBACK
            listing.office_reason = f"{SOURCE_LABELS[FALLBACK]}（{fallback.name}）"
        else:
            listing.office_code, listing.office_source = choice.office.code, choice.source
            listing.office_reason = choice.reason
        by_source[listing.office_source] += 1
    session.flush()
    for actor_id in sorted(actors):
        actor = session.get(Actor, actor_id)
        if actor is not None:
            assign_actor_office(session, actor)
    session.flush()
    return AssignReport(count, len(actors), dict(by_source))


def assign_actor_office(session: Session, actor: Actor) -> None:
    """The actor's office: its listing with the strongest signal; the most common office breaks ties."""
    if actor.office_source == TRANSFER:
        return
    rows = session.execute(
        select(Listing.office_code, Listing.office_source, Listing.office_reason, Listing.id).where(
            Listing.actor_id == actor.id, Listing.office_code.is_not(None)
        )
    ).all()
    if not rows:
        return
    counts = Counter(code for code, _, _, _ in rows)
    code, source, reason, listing_id = min(
        rows,
        key=lambda r: (
            SOURCE_RANK.index(r[1]) if r[1] in SOURCE_RANK else len(SOURCE_RANK),
            -counts[r[0]],
            r[3],
        ),
    )
    actor.office_code, actor.office_source = code, source
    actor.office_reason = f"线索{listing_id}：{reason}"


def transfer_actor(
    session: Session,
    directory: OfficeDirectory,
    actor_id: int,
    office_code: str,
    *,
    by: str,
    note: str,
) -> Actor:
    """A supervisor hands a case (the actor and its findings) to another office; audited."""
    if not note.strip():
        raise OfficeTransferError("a transfer needs a note (it goes to the audit log and the case)")
    office = directory.get(office_code)
    actor = session.get(Actor, actor_id)
    if actor is None or actor.merged_into_id is not None:
        raise OfficeTransferError(f"actor {actor_id} does not exist or was merged")
    previous = actor.office_code
    reason = f"由{directory.by_code[previous].name if previous in directory.by_code else '未定单位'}移交：{note.strip()}"
    actor.office_code, actor.office_source, actor.office_reason = office.code, TRANSFER, reason
    listings = session.scalars(select(Listing).where(Listing.actor_id == actor.id)).all()
    for listing in listings:
        listing.office_code, listing.office_source, listing.office_reason = (
            office.code,
            TRANSFER,
            reason,
        )
    audit.record(
        session, by, "actor.transfer", "actor", actor.id,
        from_office=previous, to_office=office.code, note=note.strip(), listings=len(listings),
    )  # fmt: skip
    session.flush()
    return actor
