"""The capture stage admits at most N pending items and pauses the crawl while it is full."""

from __future__ import annotations

import asyncio
import random

import pytest

from crawler.backpressure import PendingGate, default_capture_concurrency


class Engine:
    """Stands for a Scrapy engine: only pause/unpause are used, and produce() obeys them."""

    def __init__(self) -> None:
        self.paused = False
        self.pauses = 0
        self.produced_while_paused = 0

    def pause(self) -> None:
        self.paused = True
        self.pauses += 1

    def unpause(self) -> None:
        self.paused = False


def test_pending_never_exceeds_the_limit_and_the_crawl_pauses_while_full() -> None:
    engine = Engine()
    gate = PendingGate(3, engine.pause, engine.unpause)
    observed: list[int] = []
    rng = random.Random(7)

    async def item(n: int) -> None:
        async with gate.admit():
            observed.append(gate.pending)
            await asyncio.sleep(rng.uniform(0.001, 0.01))
            observed.append(gate.pending)

    async def crawl() -> None:
        tasks = []
        for n in range(60):
            while engine.paused:  # a paused engine fetches nothing, so yields no item
                await asyncio.sleep(0.001)
            tasks.append(asyncio.ensure_future(item(n)))
            await asyncio.sleep(0)
        await asyncio.gather(*tasks)

    asyncio.run(crawl())
    assert max(observed) <= 3
    assert gate.high_water == 3
    assert engine.pauses > 0, "the crawl outran the stage, so it was paused"
    assert not engine.paused, "and resumed when the stage caught up"
    assert gate.pending == 0


def test_items_beyond_the_limit_wait_rather_than_pile_up() -> None:
    gate = PendingGate(2)

    async def run() -> tuple[int, int]:
        release = asyncio.Event()

        async def hold() -> None:
            async with gate.admit():
                await release.wait()

        tasks = [asyncio.ensure_future(hold()) for _ in range(5)]
        await asyncio.sleep(0.01)
        pending_while_blocked = gate.pending
        release.set()
        await asyncio.gather(*tasks)
        return pending_while_blocked, gate.waited

    pending, waited = asyncio.run(run())
    assert pending == 2
    assert waited == 3


def test_limits_are_checked() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        PendingGate(0)
    assert default_capture_concurrency(2) == 3
    assert default_capture_concurrency(1) == 2
    assert default_capture_concurrency(64) == 8
