"""Capture-and-record for callers: an async ``Capturer`` and a synchronous ``capture_urls``.

Both reuse one browser for many captures, with a warm pool of ``max_pages``
fresh profiles opened ahead; each capture still gets a profile of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType

from evidence.browser import BrowserPool
from evidence.capture import CaptureOptions, capture_with_retry
from evidence.errors import CaptureFailed
from evidence.slots import WarmPool
from evidence.vault import EvidenceVault, StoredCapture


@dataclass(frozen=True)
class CaptureRequest:
    url: str
    listing_ref: str
    run_ref: str | None = None
    reason: str = "flagged"


@dataclass(frozen=True)
class CaptureFailure:
    """A capture that failed every attempt; nothing of it was stored."""

    url: str
    listing_ref: str
    reason: str


class Capturer:
    """``async with Capturer(vault, chromium_path, options) as c: await c.capture(req)``"""

    def __init__(
        self,
        vault: EvidenceVault,
        chromium_path: str | None,
        options: CaptureOptions | None = None,
        max_pages: int = 2,
    ) -> None:
        self.vault = vault
        self.options = options or CaptureOptions()
        self.pool = BrowserPool(chromium_path, max_pages=max_pages)
        self.warm = WarmPool(self.pool, self.options, max_pages)

    async def __aenter__(self) -> Capturer:
        await self.pool.start()
        await self.warm.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.warm.close()
        await self.pool.close()

    async def capture(self, request: CaptureRequest) -> StoredCapture:
        """Capture and record; raises :class:`CaptureFailed` after the configured attempts."""
        result = await capture_with_retry(self.warm, request.url, self.options)
        return await asyncio.to_thread(
            self.vault.record, result, request.listing_ref, request.run_ref, request.reason
        )

    async def capture_many(
        self, requests: Sequence[CaptureRequest]
    ) -> list[StoredCapture | CaptureFailure]:
        """All requests, concurrently up to the warm pool's size, results in input order."""

        async def one(req: CaptureRequest) -> StoredCapture | CaptureFailure:
            try:
                return await self.capture(req)
            except CaptureFailed as exc:
                return CaptureFailure(req.url, req.listing_ref, str(exc))

        return list(await asyncio.gather(*(one(r) for r in requests)))


def capture_urls(
    requests: Sequence[CaptureRequest],
    vault: EvidenceVault,
    chromium_path: str | None,
    options: CaptureOptions | None = None,
    max_pages: int = 2,
) -> list[StoredCapture | CaptureFailure]:
    """Synchronous entry point for callers outside asyncio (one browser for the batch)."""

    async def run() -> list[StoredCapture | CaptureFailure]:
        async with Capturer(vault, chromium_path, options, max_pages) as capturer:
            return await capturer.capture_many(requests)

    return asyncio.run(run())
