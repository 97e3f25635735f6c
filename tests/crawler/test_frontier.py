"""The durable frontier alone: seen set and queue written together, in-flight work recovered."""

from __future__ import annotations

from pathlib import Path

from crawler.frontier import DONE, IN_FLIGHT, PENDING, Frontier


def test_seen_requests_are_enqueued_once_and_popped_by_priority(tmp_path: Path) -> None:
    frontier = Frontier(tmp_path / "f.sqlite")
    assert frontier.add("a", 0, b"A") is not None
    assert frontier.add("a", 5, b"A again") is None  # seen: filtered
    assert frontier.add(None, 0, b"unfiltered") is not None
    assert frontier.add(None, 0, b"unfiltered") is not None  # dont_filter: always queued
    assert frontier.add("b", 10, b"B") is not None
    order = [frontier.pop() for _ in range(4)]
    assert [p[1] for p in order if p is not None] == [b"B", b"A", b"unfiltered", b"unfiltered"]
    assert frontier.pop() is None
    frontier.close()


def test_a_killed_process_leaves_in_flight_work_to_recover(tmp_path: Path) -> None:
    path = tmp_path / "f.sqlite"
    first = Frontier(path)
    ids = [first.add(f"u{i}", 0, f"req {i}".encode()) for i in range(5)]
    popped = [first.pop() for _ in range(3)]
    assert all(p is not None for p in popped)
    first.finish(ids[0] or 0)
    # no close(): the process died here
    second = Frontier(path)
    assert second.recover() == 2  # in flight again pending; the finished one stays done
    assert (second.count(PENDING), second.count(IN_FLIGHT), second.count(DONE)) == (4, 0, 1)
    assert second.add("u1", 0, b"again") is None  # the seen set survived with the queue
    remaining = []
    while (item := second.pop()) is not None:
        remaining.append(item[1])
    assert sorted(remaining) == [b"req 1", b"req 2", b"req 3", b"req 4"]
    first.close()
    second.close()
