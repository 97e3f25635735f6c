"""New evidence at re-check time: one reusable Chromium for a batch of listings.

A re-check captures the page whatever it shows: a removal page is the proof
that the platform acted, a live page the proof that it did not.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from sqlalchemy.orm import Session

from evidence import (
    BrowserLaunchError,
    BrowserPool,
    CaptureOptions,
    StoredCapture,
    capture_with_retry,
    open_vault,
)
from store import EvidenceCapture, add_capture
from takedown.config import TakedownSettings

RECHECK_REASON = "recheck"


class Recapturer(Protocol):
    def capture(self, url: str, listing_ref: str) -> StoredCapture: ...

    def close(self) -> None: ...


class BrowserRecapturer:
    """Captures through :mod:`evidence` with one browser kept open until :meth:`close`.

    Runs its own event loop, so call it from synchronous code (the scheduler's
    job thread, the CLI), not from inside a running loop.
    """

    def __init__(self, settings: TakedownSettings, *, attempts: int = 2) -> None:
        self.vault = open_vault(settings)
        self.chromium_path = settings.chromium_path
        self.options = CaptureOptions(
            allow_private_networks=settings.allow_private_networks,
            attempts=attempts,
            settle_timeout_s=1.5,
        )
        self._runner: asyncio.Runner | None = None
        self._pool: BrowserPool | None = None
        self._launch_error: BrowserLaunchError | None = None

    def _ensure_pool(self) -> tuple[asyncio.Runner, BrowserPool]:
        if self._launch_error is not None:  # one failed launch is enough for the whole batch
            raise self._launch_error
        if self._runner is None:
            self._runner = asyncio.Runner()
        if self._pool is None:
            try:
                self._pool = self._runner.run(BrowserPool(self.chromium_path).start())
            except BrowserLaunchError as exc:
                self._launch_error = exc
                raise
        return self._runner, self._pool

    def capture(self, url: str, listing_ref: str, reason: str = RECHECK_REASON) -> StoredCapture:
        runner, pool = self._ensure_pool()
        result = runner.run(capture_with_retry(pool, url, self.options))
        return self.vault.record(result, listing_ref, None, reason)

    def close(self) -> None:
        if self._runner is not None:
            if self._pool is not None:
                self._runner.run(self._pool.close())
            self._runner.close()
        self._runner, self._pool = None, None


def store_capture(
    session: Session, listing_id: int, stored: StoredCapture, reason: str = RECHECK_REASON
) -> EvidenceCapture:
    """Rows for a capture already written to the vault."""
    return add_capture(session, listing_id, None, stored, reason)
