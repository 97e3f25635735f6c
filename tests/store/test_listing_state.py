"""outbox_batch: the index outbox rows of a batch wait and go in one statement."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from store.listing_state import outbox_batch, queue_for_index
from store.listings import Observation, record_observation
from store.models import IndexOutbox

T0 = datetime(2026, 6, 1, tzinfo=UTC)


def _listing_ids(session: Session, n: int) -> list[int]:
    return [
        record_observation(
            session,
            Observation(
                platform_key="market",
                canonical_url=f"https://m.example/{i}",
                url=f"https://m.example/{i}",
                title=f"标题{i}",
                text="正文",
                fetched_at=T0,
            ),
        ).listing.id
        for i in range(n)
    ]


def _queued(session: Session) -> list[int]:
    return list(session.scalars(select(IndexOutbox.listing_id).order_by(IndexOutbox.id)))


def test_a_batch_writes_its_outbox_rows_in_order_in_one_statement(session: Session) -> None:
    a, b, c = _listing_ids(session, 3)
    session.flush()
    inserts: list[str] = []
    event.listen(
        session.connection(),
        "before_cursor_execute",
        lambda *args: inserts.append(args[2]) if args[2].startswith("INSERT") else None,
    )
    with outbox_batch(session):
        queue_for_index(session, [b, b])  # one call queues a listing once
        with outbox_batch(session):  # a nested batch joins the outer one
            queue_for_index(session, [a])
        queue_for_index(session, [b, c])  # a later call queues it again, as one at a time
        assert inserts == [] and _queued(session) == []
    assert _queued(session) == [b, a, b, c]
    assert len(inserts) == 1
    queue_for_index(session, [a])  # outside a batch: written at once
    assert _queued(session) == [b, a, b, c, a] and len(inserts) == 2


def test_a_batch_that_raises_writes_no_outbox_rows(session: Session) -> None:
    (a,) = _listing_ids(session, 1)
    with pytest.raises(RuntimeError), outbox_batch(session):
        queue_for_index(session, [a])
        raise RuntimeError("the batch failed")
    assert _queued(session) == []
    queue_for_index(session, [a])  # the session holds nothing back afterwards
    assert _queued(session) == [a]
