"""Every change of a listing's status, review or takedown state, in one place.

A change goes through :func:`change_listing`, which writes the listing row and an
:class:`~store.models.IndexOutbox` entry in the caller's transaction: when the change
commits, the search index's outbox holds it; when it rolls back, neither is there.  The
index syncer drains the outbox (``store.search.drain_outbox``), so the index answers what
the database says however the change was made (API, CLI, demo reviewer, takedown
re-check, scheduler); ``lantian index rebuild`` stays the repair tool.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.orm import Session

from store.models import IndexOutbox, Listing, ListingStatus

#: ``session.info`` key of the listing ids an :func:`outbox_batch` holds back
_HELD = "lantian.outbox_held"


def queue_for_index(session: Session, listing_ids: Iterable[int]) -> None:
    """Queue listings for the search index in the caller's transaction: written at once, in
    one executemany (nothing reads an outbox row's id, so no ORM object waits for a flush),
    or inside :func:`outbox_batch` with the rest of the batch's."""
    ids = list(dict.fromkeys(listing_ids))
    held: list[int] | None = session.info.get(_HELD)
    if held is not None:
        held.extend(ids)
    elif ids:
        _write_outbox(session, ids)


def _write_outbox(session: Session, listing_ids: list[int]) -> None:
    rows = [{"listing_id": listing_id} for listing_id in listing_ids]
    session.connection().execute(insert(IndexOutbox), rows)


@contextmanager
def outbox_batch(session: Session) -> Iterator[None]:
    """Within: the outbox rows :func:`queue_for_index` queues wait, in order, and go in one
    executemany on the way out, still in the caller's transaction (the store stage changes
    a listing's status one item at a time: one INSERT each was a tenth of its statements).
    Nothing is written when the block raises; a nested block joins the outer one."""
    if session.info.get(_HELD) is not None:
        yield
        return
    held: list[int] = []
    session.info[_HELD] = held
    try:
        yield
    finally:
        del session.info[_HELD]
    if held:
        _write_outbox(session, held)


def change_listing(
    session: Session,
    listing: Listing,
    *,
    status: ListingStatus | None = None,
    online: bool | None = None,
    removed_at: datetime | None = None,
) -> None:
    """Set the listing's status (and its takedown state: ``online``, ``removed_at``) and
    queue it for the search index, all in the caller's transaction.  A field given as
    None is left as it is."""
    if status is not None:
        listing.status = status
    if online is not None:
        listing.online = online
    if removed_at is not None:
        listing.removed_at = removed_at
    if listing.id is None:
        session.flush()
    queue_for_index(session, [listing.id])
