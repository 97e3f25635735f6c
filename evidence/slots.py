"""Capture slots: a browser profile with its guards in place, and a pool of warm ones.

A slot is everything one capture needs before it navigates: its own egress
proxy (check, resolve once, pin), an in-memory browser context routed through
it, a blank page, the DevTools session with the request guard and the raw-body
recorder enabled, and the dialog/pop-up handlers.  Opening one costs two
renderer processes (about 1.5 s of Chromium CPU).

:class:`WarmPool` keeps slots ready ahead of need, in one of two isolation modes:

- ``fresh``: a slot is used for one capture and closed; its replacement is opened
  while the capture runs.  Every capture gets a profile no other page has used.
- ``reused``: ``size`` slots live on; after each capture its slot is wiped
  (:mod:`evidence.wipe`) and given a new recorder and DevTools session, then
  taken by a later capture.  A slot is replaced after ``max_uses`` captures, or
  when its capture or its wipe failed.  Several times the captures per CPU second.

The mode and the capture's use of its profile go into the signed manifest.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol

from playwright.async_api import BrowserContext, CDPSession, Page
from playwright.async_api import Error as PlaywrightError

from evidence.browser import BrowserPool
from evidence.egress import EgressPolicy, EgressProxy
from evidence.errors import EvidenceError
from evidence.isolation import DEFAULT_MAX_USES, Isolation, parse_isolation
from evidence.netguard import AddressGuard
from evidence.recorder import Recorder
from evidence.wipe import wipe


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
    """A browser profile, guarded and recording, on a blank page."""

    egress: EgressProxy
    context: BrowserContext
    page: Page
    cdp: CDPSession
    recorder: Recorder
    warm: bool
    wait_ms: float = 0.0
    """How long the capture waited for this slot once it could run (opening it, if cold)."""
    isolation: Isolation = "fresh"
    uses: int = 0
    """Captures taken in this profile, the current one included (1: nothing came before)."""
    wipe_ms: float = 0.0
    """How long wiping the profile after its previous capture took (reused slots)."""
    browser: str = "Chromium (headless)"
    """The browser product (:func:`evidence.browser.browser_product`) and its executable."""
    executable: str | None = None


async def _arm(
    pool: BrowserPool, ctx: BrowserContext, page: Page, egress: EgressProxy, options: NetworkOptions
) -> tuple[CDPSession, Recorder]:
    """A new DevTools session with the guard and a new recorder, and the page's handlers."""
    cdp = await ctx.new_cdp_session(page)
    guard = AddressGuard(options.allow_private_networks, options.allowed_origins)
    recorder = Recorder(cdp, None if options.allow_private_networks else guard, egress)
    recorder.sandboxed = pool.sandboxed
    await recorder.enable()
    page.on("dialog", recorder.on_dialog)
    page.on("response", recorder.on_response)
    page.on("requestfailed", recorder.on_failed)
    ctx.on("page", recorder.on_popup)
    return cdp, recorder


async def _disarm(slot: CaptureSlot) -> None:
    slot.recorder.cancel_pending()
    slot.page.remove_listener("dialog", slot.recorder.on_dialog)
    slot.page.remove_listener("response", slot.recorder.on_response)
    slot.page.remove_listener("requestfailed", slot.recorder.on_failed)
    slot.context.remove_listener("page", slot.recorder.on_popup)
    await slot.cdp.detach()


async def _prepare(
    pool: BrowserPool, ctx: BrowserContext, egress: EgressProxy, options: NetworkOptions, warm: bool
) -> CaptureSlot:
    page = await ctx.new_page()
    cdp, recorder = await _arm(pool, ctx, page, egress, options)
    return CaptureSlot(
        egress, ctx, page, cdp, recorder, warm, browser=pool.product, executable=pool.chromium_path
    )


async def renew(pool: BrowserPool, slot: CaptureSlot, options: NetworkOptions) -> None:
    """Wipe a used slot (:func:`evidence.wipe.wipe`) and arm it for its next capture."""
    start = time.perf_counter()
    await wipe(slot.context, slot.page, slot.cdp, slot.recorder, slot.egress)
    await _disarm(slot)
    slot.cdp, slot.recorder = await _arm(pool, slot.context, slot.page, slot.egress, options)
    slot.wipe_ms = round((time.perf_counter() - start) * 1000.0, 3)


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
    """At most ``size`` captures at once, each taking a slot made ready ahead of time.

    ``async with WarmPool(browser, options, size) as warm: async with warm.slot(opts) as s:``.
    ``fresh``: taking a slot starts opening its replacement, so up to ``2 * size``
    profiles exist at once (``size`` in use, ``size`` waiting).  ``reused``: ``size +
    spares`` profiles (``spares`` defaults to ``size``), each wiped after a capture and
    handed to the next (see the module), so a capture rarely waits for a wipe.
    A capture whose network options differ from the pool's gets a cold slot instead
    (its guards must match its own options).
    """

    def __init__(
        self,
        browser: BrowserPool,
        options: NetworkOptions,
        size: int,
        isolation: Isolation = "fresh",
        max_uses: int = DEFAULT_MAX_USES,
        spares: int | None = None,
    ) -> None:
        if size < 1:
            raise ValueError(f"a warm pool needs at least one slot, not {size}")
        self.browser = browser
        self.policy = policy_of(options)
        self.options = options
        self.size = size
        self.isolation = parse_isolation(isolation)
        self.max_uses = max(1, max_uses) if isolation == "reused" else 1
        self.profiles = size
        """Profiles kept ready or in use (``fresh``: plus the replacements being opened)."""
        if self.isolation == "reused":
            self.profiles += size if spares is None else max(0, spares)
        self._busy = asyncio.Semaphore(size)
        self._ready: asyncio.Queue[CaptureSlot | BaseException] = asyncio.Queue()
        self._warming: set[asyncio.Task[None]] = set()
        self._closed = False
        self.in_use = 0
        self.peak_in_use = 0
        """The most captures that held a slot at once (never above ``size``)."""
        self.opened = 0
        """Profiles opened so far (``reused``: far fewer than captures)."""
        self.retired: list[str] = []
        """Why reused slots were closed before ``max_uses`` (a failed capture or wipe)."""

    @property
    def sandboxed(self) -> bool:
        return self.browser.sandboxed

    @property
    def ready(self) -> int:
        """Slots opened and waiting for a capture."""
        return self._ready.qsize()

    async def start(self) -> WarmPool:
        for _ in range(self.profiles):
            self._warm_one()
        return self

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        self._warming.add(task)
        task.add_done_callback(self._warming.discard)

    def _warm_one(self) -> None:
        if not self._closed:
            self._spawn(self._open())

    async def _open(self) -> None:
        try:
            slot: CaptureSlot | BaseException = await open_slot(self.browser, self.options)
        except (PlaywrightError, OSError) as exc:
            slot = exc
        if isinstance(slot, CaptureSlot):
            self.opened += 1
            slot.isolation = self.isolation
        await self._hand_back(slot)

    async def _hand_back(self, slot: CaptureSlot | BaseException) -> None:
        if self._closed and isinstance(slot, CaptureSlot):
            await close_slot(slot)
            return
        self._ready.put_nowait(slot)

    async def _recycle(self, slot: CaptureSlot, failed: bool) -> None:
        """Wipe a reused slot for its next capture, or close it and open a new one."""
        if failed:
            self.retired.append("its capture failed")
        elif slot.uses < self.max_uses and not self._closed:
            try:
                await renew(self.browser, slot, self.options)
            except (PlaywrightError, EvidenceError, OSError) as exc:
                self.retired.append(f"wipe failed: {exc}")
            except BaseException:  # cancelled by close(): the slot must not leak
                await close_slot(slot)
                raise
            else:
                await self._hand_back(slot)
                return
        await close_slot(slot)
        self._warm_one()

    @contextlib.asynccontextmanager
    async def slot(self, options: NetworkOptions) -> AsyncIterator[CaptureSlot]:
        """A ready slot (waits while ``size`` captures are running), closed or recycled on exit."""
        if policy_of(options) != self.policy:
            async with self._busy, cold_slot(self.browser, options) as cold:
                cold.uses = 1
                yield cold
            return
        async with self._busy:
            start = time.perf_counter()
            taken = await self._ready.get()
            if self.isolation == "fresh":
                self._warm_one()
            if isinstance(taken, BaseException):
                if self.isolation == "reused":
                    self._warm_one()
                raise SlotUnavailable(f"could not open a browser profile: {taken}") from taken
            taken.wait_ms = round((time.perf_counter() - start) * 1000.0, 3)
            taken.uses += 1
            self.in_use += 1
            self.peak_in_use = max(self.peak_in_use, self.in_use)
            failed = True
            try:
                yield taken
                failed = False
            finally:
                self.in_use -= 1
                if self.isolation == "fresh":
                    await close_slot(taken)
                else:
                    self._spawn(self._recycle(taken, failed))

    async def close(self) -> None:
        self._closed = True
        while self._warming:
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
