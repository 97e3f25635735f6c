"""Back-pressure between the crawl and a slower stage: at most N items pending at once.

``async with gate.admit():`` waits while ``limit`` items are already admitted.
When the gate fills, ``on_full`` runs (the capture stage pauses the crawl's
engines, so no new pages are fetched and no new items pile up); when an item
leaves a full gate, ``on_space`` runs (the engines resume).  No Scrapy here:
the callbacks are plain functions, so the bound is tested on its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Callable

#: Captures admitted at once before the crawl pauses (``capture_max_pending``).
DEFAULT_MAX_PENDING = 16


def default_capture_concurrency(cpus: int | None = None) -> int:
    """Captures at once (``capture_concurrency``): one per core plus one, since a capture
    waits on the page about as long as it computes; at least 2, at most 8."""
    return max(2, min(8, (cpus or os.cpu_count() or 1) + 1))


class PendingGate:
    def __init__(
        self,
        limit: int,
        on_full: Callable[[], None] | None = None,
        on_space: Callable[[], None] | None = None,
    ) -> None:
        if limit < 1:
            raise ValueError(f"the pending limit must be at least 1, not {limit}")
        self.limit = limit
        self.on_full = on_full
        self.on_space = on_space
        self.pending = 0
        self.high_water = 0
        self.waited = 0
        """Items that had to wait for a place (the crawl outran the stage)."""
        self._places = asyncio.Semaphore(limit)

    @property
    def full(self) -> bool:
        return self.pending >= self.limit

    @contextlib.asynccontextmanager
    async def admit(self) -> AsyncIterator[None]:
        if self._places.locked():
            self.waited += 1
        async with self._places:
            self.pending += 1
            self.high_water = max(self.high_water, self.pending)
            if self.full and self.on_full is not None:
                self.on_full()
            try:
                yield
            finally:
                was_full = self.full
                self.pending -= 1
                if was_full and self.on_space is not None:
                    self.on_space()
