"""Writing a classifier's verdict on one listing version, and its effect on the listing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, insert, inspect, select
from sqlalchemy.orm import Session

from store.bulk import complete_defaults, insert_new
from store.listing_state import change_listing
from store.models import Classification, Entity, Listing, ListingStatus, ListingVersion, RuleHit

#: Statuses a reviewer set; a new verdict never overrides them.
REVIEWED = frozenset(
    {
        ListingStatus.confirmed,
        ListingStatus.dismissed,
        ListingStatus.escalated,
        ListingStatus.removed,
    }
)


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def record_verdict(
    session: Session, version: ListingVersion, verdict: Any, *, new_version: bool = False
) -> Classification:
    """The Classification of ``version`` with its rule hits and entities.

    ``verdict`` is a ``classifiers.Verdict`` (or a mapping with the same names).
    Idempotent: classifying a version again under the same rules version returns
    the existing row; under new rules the row is rewritten in place.  ``new_version``
    says the version row was just inserted, so it has no classification to look up.
    """
    return record_verdicts(session, [(version, verdict, new_version)])[0]


def record_verdicts(
    session: Session, verdicts: Sequence[tuple[ListingVersion, Any, bool]]
) -> list[Classification]:
    """:func:`record_verdict` for each (version, verdict, new_version) in turn, with the same
    rows as a result, ids included: one query finds the classifications already stored, one
    flush writes the batch's, and its hits and entities go in one executemany each."""
    stored_ids = [v.id for v, _, new in verdicts if not new]
    found: dict[int, Classification] = (
        {
            c.version_id: c
            for c in session.scalars(
                select(Classification).where(Classification.version_id.in_(stored_ids))
            )
        }
        if stored_ids
        else {}
    )
    pending: list[tuple[Classification, Any]] = []
    out: list[Classification] = []
    for version, verdict, _new in verdicts:
        rules_version = str(_get(verdict, "rules_version", "") or "")
        existing = found.get(version.id)
        if existing is not None and existing.rules_version == rules_version:
            out.append(existing)
            continue
        if existing is None:
            # inserted with the others by _write_rows
            existing = found[version.id] = Classification(
                version_id=version.id, irregular=False, score=0.0
            )
        else:
            _write_rows(session, pending)  # the earlier verdicts' rows go before this delete
            session.execute(delete(RuleHit).where(RuleHit.classification_id == existing.id))
            session.execute(delete(Entity).where(Entity.classification_id == existing.id))
        existing.irregular = bool(_get(verdict, "irregular", False))
        existing.score = float(_get(verdict, "score", 0.0))
        existing.severity = _get(verdict, "severity")
        existing.categories = list(_get(verdict, "categories", []) or [])
        existing.rules_version = rules_version
        existing.genre = _get(verdict, "genre")
        existing.tier = str(
            _get(verdict, "tier", None) or ("offer" if existing.irregular else "none")
        )
        existing.blocks = [_block_dict(b) for b in _get(verdict, "blocks", []) or []]
        offending = _get(verdict, "offending_block")
        existing.offending_block = int(offending) if offending is not None else None
        pending.append((existing, verdict))
        out.append(existing)
    _write_rows(session, pending)
    return out


def _write_rows(session: Session, pending: list[tuple[Classification, Any]]) -> None:
    """Insert the pending new classifications in one executemany (a rewritten one is updated
    at the next flush), then write their hits and entities in one executemany each, no ORM
    object per hit (a dense page has hundreds); empties ``pending``."""
    if not pending:
        return
    new = [c for c, _ in pending if inspect(c).transient]
    for classification in new:
        complete_defaults(classification)
    insert_new(session, new, ("version_id",))
    connection = session.connection()  # Core: no autoflush, no ORM bookkeeping per row
    hits = [
        _hit_row(c.id, hit) for c, verdict in pending for hit in _get(verdict, "hits", []) or []
    ]
    if hits:
        connection.execute(insert(RuleHit), hits)
    entities = [
        _entity_row(c.id, ent)
        for c, verdict in pending
        for ent in _get(verdict, "entities", []) or []
    ]
    if entities:
        connection.execute(insert(Entity), entities)
    for classification, _ in pending:
        session.expire(classification, ["hits", "entities"])
    pending.clear()


def _hit_row(classification_id: int, hit: Any) -> dict[str, Any]:
    return {
        "classification_id": classification_id,
        "rule": str(_get(hit, "rule", "")),
        "category": str(_get(hit, "category", "")),
        "severity": str(_get(hit, "severity", "medium") or "medium"),
        "start": int(_get(hit, "start", 0)),
        "end": int(_get(hit, "end", 0)),
        "match": str(_get(hit, "match", "")),
        "explanation": str(_get(hit, "explanation", "") or ""),
        "legal_basis": str(_get(hit, "legal_basis", "") or ""),
        "block": _get(hit, "block"),
        "stance": _get(hit, "stance"),
        "counted": bool(_get(hit, "counted", True)),
        "why": str(_get(hit, "why", "") or "")[:500],
    }


def _entity_row(classification_id: int, ent: Any) -> dict[str, Any]:
    return {
        "classification_id": classification_id,
        "kind": str(_get(ent, "kind", ""))[:32],
        "value": str(_get(ent, "value", ""))[:300],
        "start": int(_get(ent, "start", 0)),
        "end": int(_get(ent, "end", 0)),
    }


def _block_dict(block: Any) -> dict[str, Any]:
    return {name: _get(block, name) for name in ("start", "end", "kind", "author", "ref", "url")}


#: characters of the offending post kept on the listing (the notice's summary of the offer)
POST_TEXT_CHARS = 300


def offending_post(listing: Listing, classification: Classification) -> dict[str, Any] | None:
    """The forum post that makes an irregular thread's offer: its floor, author and the URL of
    the page it is on (the listing's own URL when the thread has one page), or None.

    Platforms delete posts, not discussions: the review queue and the notices cite this.
    """
    index = classification.offending_block
    blocks = classification.blocks or []
    if not classification.irregular or index is None or not 0 <= index < len(blocks):
        return None
    block = blocks[index]
    if not isinstance(block, dict) or block.get("kind") != "post":
        return None
    version = listing.current_version
    full = (version.title + "\n" + version.text) if version is not None else ""
    start, end = int(block.get("start") or 0), int(block.get("end") or 0)
    return {
        "block": index,
        "floor": block.get("ref"),
        "author": block.get("author"),
        "url": block.get("url") or listing.url,
        "text": full[start:end][:POST_TEXT_CHARS],
    }


def apply_verdict(session: Session, listing: Listing, classification: Classification) -> None:
    """Copy the current verdict onto the listing; flag it when irregular.

    A reviewer's decision stands: only ``new`` and ``flagged`` listings move.  A
    ``watch`` page stays ``new`` (not flagged) but carries its tier for its own queue.
    A change of status goes through :func:`store.listing_state.change_listing`, so the
    search index's outbox hears of it in the same transaction.
    """
    listing.irregular = classification.irregular
    listing.tier = classification.tier or ("offer" if classification.irregular else "none")
    listing.genre = classification.genre
    listing.score = classification.score
    listing.severity = classification.severity
    listing.categories = list(classification.categories)
    listing.offending_post = offending_post(listing, classification)
    if listing.status in REVIEWED:
        return
    status = ListingStatus.flagged if classification.irregular else ListingStatus.new
    if listing.status is None and status is ListingStatus.new:
        listing.status = status  # a listing being created: its writer indexes it
    elif listing.status != status:
        change_listing(session, listing, status=status)
