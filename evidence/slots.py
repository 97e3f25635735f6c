"""Capture slots: a fresh browser profile with its guards in place, and a pool of warm ones.

A slot is everything one capture needs before it navigates: its own egress
proxy (check, resolve once, pin), a new in-memory browser context routed through
it, a blank page, the DevTools session with the request guard and the raw-body
recorder enabled, and the dialog/pop-up handlers.  Opening one costs a renderer
process (a few hundred ms of CPU); a slot is used for one capture and closed.

:class:`WarmPool` opens slots ahead of need, so a capture takes a ready one and
its replacement warms while the capture runs.  Every capture still gets a
profile no other page has used; only *when* the profile was made changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol

from playwright.async_api import BrowserContext, CDPSession, Page
from playwright.async_api import Error as PlaywrightError

from evidence.browser import BrowserPool
from evidence.egress import EgressPolicy, EgressProxy
from evidence.errors import EvidenceError
from evidence.netguard import AddressGuard
from evidence.recorder import Recorder


class SlotUnavailable(EvidenceError):
    """The browser could not open a profile (it crashed or is closing); retried like a failed load."""


class NetworkOptions(Protocol):
    """What a slot's guards depend on (:class:`evidence.capture.CaptureOptions` has both)."""

    @property
    def allow_private_networks(self) -> bool: ...

    @property
    def allowed_origins(self) -> frozenset[str]: ...


def policy_of(options: NetworkOptions) -> EgressPolicy:
    return EgressPolicy(options.allow_private_networks, options.allowed_origins)


@dataclass
class CaptureSlot:
    """One unused browser profile, guarded and recording, on a blank page."""

    egress: EgressProxy
    context: BrowserContext
    page: Page
    cdp: CDPSession
    recorder: Recorder
    warm: bool
    wait_ms: float = 0.0
    """How long the capture waited for this slot once it could run (opening it, if cold)."""


async def _prepare(
    pool: BrowserPool, ctx: BrowserContext, egress: EgressProxy, options: NetworkOptions, warm: bool
) -> CaptureSlot:
    page = await ctx.new_page()
    cdp = await ctx.new_cdp_session(page)
    guard = AddressGuard(options.allow_private_networks, options.allowed_origins)
    recorder = Recorder(cdp, None if options.allow_private_networks else guard, egress)
    recorder.sandboxed = pool.sandboxed
    await recorder.enable()
    page.on("dialog", recorder.on_dialog)
    page.on("response", recorder.on_response)
    page.on("requestfailed", recorder.on_failed)
    ctx.on("page", recorder.on_popup)
    return CaptureSlot(egress, ctx, page, cdp, recorder, warm)


@contextlib.asynccontextmanager
async def cold_slot(pool: BrowserPool, options: NetworkOptions) -> AsyncIterator[CaptureSlot]:
    """A slot opened now, within the browser pool's page limit, closed on exit."""
    async with (
        EgressProxy(policy_of(options)) as egress,
        pool.context(proxy=egress.server) as ctx,
    ):
        start = time.perf_counter()
        slot = await _prepare(pool, ctx, egress, options, warm=False)
        slot.wait_ms = round((time.perf_counter() - start) * 1000.0, 3)
        try:
            yield slot
        finally:
            slot.recorder.cancel_pending()


async def open_slot(pool: BrowserPool, options: NetworkOptions) -> CaptureSlot:
    """A slot outside the page limit; the caller closes it with :func:`close_slot`."""
    egress = await EgressProxy(policy_of(options)).start()
    try:
        ctx = await pool.new_context(egress.server)
    except BaseException:
        await egress.close()
        raise
    try:
        return await _prepare(pool, ctx, egress, options, warm=True)
    except BaseException:
        await _close(ctx, egress)
        raise


async def close_slot(slot: CaptureSlot) -> None:
    slot.recorder.cancel_pending()
    await _close(slot.context, slot.egress)


async def _close(ctx: BrowserContext, egress: EgressProxy) -> None:
    with contextlib.suppress(PlaywrightError):
        await ctx.close()
    await egress.close()


class WarmPool:
    """At most ``size`` captures at once, each taking a slot opened ahead of time.

    ``async with WarmPool(browser, options, size) as warm: async with warm.slot(opts) as s:``.
    Taking a slot starts warming its replacement, so up to ``2 * size`` profiles
    exist at once (``size`` in use, ``size`` waiting).  A capture whose network
    options differ from the pool's gets a cold slot instead (its guards must
    match its own options).
    """

    def __init__(self, browser: BrowserPool, options: NetworkOptions, size: int) -> None:
        if size < 1:
            raise ValueError(f"a warm pool needs at least one slot, not {size}")
        self.browser = browser
        self.policy = policy_of(options)
        self.options = options
        self.size = size
        self._busy = asyncio.Semaphore(size)
        self._ready: asyncio.Queue[CaptureSlot | BaseException] = asyncio.Queue()
        self._warming: set[asyncio.Task[None]] = set()
        self._closed = False
        self.in_use = 0
        self.peak_in_use = 0
        """The most captures that held a slot at once (never above ``size``)."""

    @property
    def sandboxed(self) -> bool:
        return self.browser.sandboxed

    @property
    def ready(self) -> int:
        """Slots opened and waiting for a capture."""
        return self._ready.qsize()

    async def start(self) -> WarmPool:
        for _ in range(self.size):
            self._warm_one()
        return self

    def _warm_one(self) -> None:
        if self._closed:
            return
        task = asyncio.ensure_future(self._open())
        self._warming.add(task)
        task.add_done_callback(self._warming.discard)

    async def _open(self) -> None:
        try:
            slot: CaptureSlot | BaseException = await open_slot(self.browser, self.options)
        except (PlaywrightError, OSError) as exc:
            slot = exc
        if self._closed and isinstance(slot, CaptureSlot):
            await close_slot(slot)
            return
        self._ready.put_nowait(slot)

    @contextlib.asynccontextmanager
    async def slot(self, options: NetworkOptions) -> AsyncIterator[CaptureSlot]:
        """A warm slot (waits while ``size`` captures are running); closed on exit."""
        if policy_of(options) != self.policy:
            async with self._busy, cold_slot(self.browser, options) as cold:
                yield cold
            return
        async with self._busy:
            start = time.perf_counter()
            taken = await self._ready.get()
            self._warm_one()
            if isinstance(taken, BaseException):
                raise SlotUnavailable(f"could not open a browser profile: {taken}") from taken
            taken.wait_ms = round((time.perf_counter() - start) * 1000.0, 3)
            self.in_use += 1
            self.peak_in_use = max(self.peak_in_use, self.in_use)
            try:
                yield taken
            finally:
                self.in_use -= 1
                await close_slot(taken)

    async def close(self) -> None:
        self._closed = True
        for task in list(self._warming):
            task.cancel()
        await asyncio.gather(*self._warming, return_exceptions=True)
        while not self._ready.empty():
            item = self._ready.get_nowait()
            if isinstance(item, CaptureSlot):
                await close_slot(item)

    async def __aenter__(self) -> WarmPool:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
