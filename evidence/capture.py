"""Capture one URL as evidence: screenshot, DOM, raw body, MHTML, headers, WARC, log.

``capture()`` makes one attempt and raises a :class:`CaptureError` saying why it
failed; ``capture_with_retry()`` repeats it and raises :class:`CaptureFailed`
with every attempt's reason.  Nothing is stored here: the result is a value,
handed whole to :meth:`evidence.vault.EvidenceVault.record`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import math
import platform
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import CDPSession, Page, Response
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from evidence.browser import CHROMIUM_ARGS, VIEWPORT, BrowserPool, playwright_version
from evidence.clock import clock_info
from evidence.errors import (
    BlockedAddressError,
    CaptureError,
    CaptureFailed,
    NavigationError,
    ServerError,
)
from evidence.netguard import AddressGuard
from evidence.recorder import MAX_SUBRESOURCE_BYTES, Recorder
from evidence.result import Artifact, CaptureResult, Redirect
from evidence.slots import CaptureSlot, SlotUnavailable, WarmPool, cold_slot
from evidence.timing import StepTimer
from evidence.warc import build_warc

__all__ = ["MAX_SUBRESOURCE_BYTES", "CaptureOptions", "capture", "capture_with_retry"]

MAX_SCREENSHOT_HEIGHT = 30000
MAX_SCREENSHOT_WIDTH = 3 * VIEWPORT["width"]

_SCROLL_JS = """
async ([stepMs, maxSteps]) => {
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  // a page that fits the viewport has nothing below the fold to load
  if (document.documentElement.scrollHeight <= window.innerHeight + 2) {
    await new Promise((r) => requestAnimationFrame(() => r()));
    return;
  }
  let lastHeight = -1;
  for (let i = 0; i < maxSteps; i++) {
    window.scrollBy(0, Math.max(200, window.innerHeight * 0.8));
    await sleep(stepMs);
    const height = document.documentElement.scrollHeight;
    if (window.scrollY + window.innerHeight >= height - 2) {
      if (height === lastHeight) break;
      lastHeight = height;
    }
  }
  window.scrollTo(0, 0);
  await sleep(stepMs);
}
"""

_IMAGES_JS = """
async (timeoutMs) => {
  const pending = Array.from(document.images).filter((img) => !img.complete);
  await Promise.all(pending.map((img) => new Promise((resolve) => {
    img.addEventListener('load', resolve, { once: true });
    img.addEventListener('error', resolve, { once: true });
    setTimeout(resolve, timeoutMs);
  })));
  return pending.length;
}
"""


@dataclass(frozen=True)
class CaptureOptions:
    navigation_timeout_s: float = 30.0
    settle_timeout_s: float = 3.0
    scroll_step_ms: int = 120
    max_scroll_steps: int = 40
    allow_private_networks: bool = False
    # host:port origins allowed even when private (an intranet mirror; the tests' own page)
    allowed_origins: frozenset[str] = frozenset()
    attempts: int = 3
    retry_delay_s: float = 1.0
    # A 404 or 410 is evidence (the page is gone); these statuses are the server failing.
    retry_statuses: frozenset[int] = frozenset({429, 500, 502, 503, 504})


def _tool_version() -> str:
    try:
        return metadata.version("lantian")
    except metadata.PackageNotFoundError:
        return "unknown"


def _headers_list(items: Sequence[Any]) -> list[tuple[str, str]]:
    """Playwright's ``headers_array()`` entries, duplicates and order kept."""
    return [(str(h["name"]), str(h["value"])) for h in items]


def _main_media_type(headers: dict[str, str]) -> str:
    value = headers.get("content-type", "").strip()
    return value or "application/octet-stream"


async def _redirect_chain(response: Response) -> list[Redirect]:
    chain: list[Redirect] = []
    request = response.request.redirected_from
    while request is not None:
        hop = await request.response()
        chain.append(
            Redirect(
                url=request.url,
                status=hop.status if hop else 0,
                location=(await hop.header_value("location")) if hop else None,
            )
        )
        request = request.redirected_from
    chain.reverse()
    return chain


Pool = BrowserPool | WarmPool


@contextlib.asynccontextmanager
async def _slot(pool: Pool, url: str, opts: CaptureOptions) -> AsyncIterator[CaptureSlot]:
    """A warm slot from a :class:`WarmPool`, else one opened now in the browser pool."""
    manager = pool.slot(opts) if isinstance(pool, WarmPool) else cold_slot(pool, opts)
    try:
        async with manager as slot:
            yield slot
    except SlotUnavailable as exc:
        raise CaptureError(url, str(exc)) from exc


async def capture(pool: Pool, url: str, options: CaptureOptions | None = None) -> CaptureResult:
    """One capture attempt of ``url``.

    ``pool`` is a :class:`BrowserPool` (a new profile is opened now) or a
    :class:`WarmPool` (a profile made ready ahead, guards and recorder in place:
    new, or wiped after earlier captures when the pool's isolation is ``reused``).
    """
    opts = options or CaptureOptions()
    guard = AddressGuard(opts.allow_private_networks, opts.allowed_origins)
    refusal = await guard.refusal(url)
    if refusal is not None:
        raise BlockedAddressError(url, refusal)
    started_at = datetime.now(UTC)
    timer = StepTimer()
    async with _slot(pool, url, opts) as slot:
        timer.add("slot", slot.wait_ms)
        if slot.wipe_ms:
            timer.add("wipe", slot.wipe_ms)
        try:
            result = await _navigate_and_collect(slot, url, started_at, opts, timer)
        except NavigationError as exc:
            raise _with_guard_reason(exc, url, slot) from exc
        closing = time.perf_counter()
    # closing the profile comes after the log artifact was written: the stored capture has it
    result.timings_ms["close"] = round((time.perf_counter() - closing) * 1000.0, 3)
    return result


def _with_guard_reason(exc: NavigationError, url: str, slot: CaptureSlot) -> CaptureError:
    """The guards know why a load failed; the browser only says the connect or request failed.

    Two guards may refuse the main document: the DevTools one (``BlockedByClient``) and
    the egress proxy (a failed SOCKS connect).  Which acts first is a race (Chromium may
    open the proxied connection while the request is paused), so either counts.
    """
    host = (urlsplit(url).hostname or "").lower()
    refused = [b for b in slot.egress.blocked if b.startswith(f"{host}:")]
    if refused:
        return BlockedAddressError(url, refused[0])
    if (reason := slot.recorder.refusal_of(url)) is not None:
        return BlockedAddressError(url, reason)
    failed = [f for f in slot.egress.failed if f.startswith(f"{host}:")]
    if failed:
        return NavigationError(url, f"{exc.reason} (proxy: {failed[0]})")
    return exc


async def _navigate_and_collect(
    slot: CaptureSlot, url: str, started_at: datetime, opts: CaptureOptions, timer: StepTimer
) -> CaptureResult:
    try:
        with timer.step("navigate"):
            response = await slot.page.goto(
                url, wait_until="load", timeout=opts.navigation_timeout_s * 1000
            )
    except PlaywrightTimeoutError as exc:
        raise NavigationError(
            url, f"page did not load within {opts.navigation_timeout_s:g} s"
        ) from exc
    except PlaywrightError as exc:
        raise NavigationError(url, exc.message.splitlines()[0]) from exc
    if response is None:
        raise NavigationError(url, "the browser got no response for the main document")
    if response.status in opts.retry_statuses:
        raise ServerError(
            url, f"server answered HTTP {response.status} {response.status_text}".rstrip()
        )
    try:
        return await _collect(slot, response, url, started_at, opts, timer)
    except PlaywrightTimeoutError as exc:
        raise CaptureError(
            url, f"timed out while collecting artifacts: {exc.message.splitlines()[0]}"
        ) from exc
    except PlaywrightError as exc:
        raise CaptureError(
            url, f"browser error while collecting artifacts: {exc.message.splitlines()[0]}"
        ) from exc


async def _settle(page: Page, opts: CaptureOptions) -> None:
    """Scroll through the page so lazy content loads, then wait for the network to go quiet."""
    await page.evaluate(_SCROLL_JS, [opts.scroll_step_ms, opts.max_scroll_steps])
    with contextlib.suppress(PlaywrightTimeoutError):
        await page.wait_for_load_state("networkidle", timeout=opts.settle_timeout_s * 1000)
    await page.evaluate(_IMAGES_JS, int(opts.settle_timeout_s * 1000))
    # close overlays that listen for Escape (cookie banners, modal pop-ups)
    await page.keyboard.press("Escape")


def settle_budget_s(opts: CaptureOptions) -> float:
    """The longest the settle step may take: every scroll step, both waits, and a margin."""
    scrolling = (opts.max_scroll_steps + 1) * opts.scroll_step_ms / 1000
    return scrolling + 2 * opts.settle_timeout_s + 2.0


async def _settle_within_budget(page: Page, opts: CaptureOptions, notes: list[str]) -> None:
    """:func:`_settle`, bounded: its scripts run in the page's own world, where the page can
    replace ``setTimeout`` or ``requestAnimationFrame`` so that they never resolve.  A page
    that stalls them is captured as it stands, with a note, instead of holding its slot."""
    budget = settle_budget_s(opts)
    try:
        await asyncio.wait_for(_settle(page, opts), timeout=budget)
    except TimeoutError:
        notes.append(
            f"the page's scripts kept scrolling and image loading from finishing within "
            f"{budget:g} s; captured as the page stood then"
        )


async def _user_agent(cdp: CDPSession) -> str:
    """The browser's own user agent: ``navigator.userAgent`` is the page's to redefine."""
    version = await cdp.send("Browser.getVersion")
    return str(version["userAgent"])


async def _screenshot(cdp: CDPSession, notes: list[str]) -> tuple[bytes, int]:
    """The whole page as PNG in one DevTools call, and the page height the browser measured.

    The size comes from the browser's own layout (``Page.getLayoutMetrics``), never from
    the page's script, which may report anything; it is cut to
    ``MAX_SCREENSHOT_WIDTH`` x ``MAX_SCREENSHOT_HEIGHT`` (a note says so), so a page
    pretending to be small or truly enormous cannot make the browser paint without bound.
    ``optimizeForSpeed`` trades a larger PNG for a much cheaper encode.
    """
    metrics = await cdp.send("Page.getLayoutMetrics")
    size = metrics["cssContentSize"]
    width, height = math.ceil(size["width"]), math.ceil(size["height"])
    shot_width = max(1, min(width, MAX_SCREENSHOT_WIDTH))
    shot_height = max(1, min(height, MAX_SCREENSHOT_HEIGHT))
    if width > MAX_SCREENSHOT_WIDTH:
        notes.append(
            f"page is {width}px wide; the screenshot shows the first {MAX_SCREENSHOT_WIDTH}px"
        )
    if height > MAX_SCREENSHOT_HEIGHT:
        notes.append(
            f"page is {height}px tall; the screenshot shows the first {MAX_SCREENSHOT_HEIGHT}px"
        )
    shot = await cdp.send(
        "Page.captureScreenshot",
        {
            "format": "png",
            "clip": {"x": 0, "y": 0, "width": shot_width, "height": shot_height, "scale": 1},
            "captureBeyondViewport": True,
            "optimizeForSpeed": True,
        },
    )
    return base64.b64decode(shot["data"]), height


async def _server(response: Response, recorder: Recorder) -> dict[str, Any] | None:
    """The address the main document came from: the proxy's pinned one where it connected."""
    pinned = recorder.server_address(response.url)
    if pinned is None:
        addr = await response.server_addr()
        return dict(addr) if addr else None
    parts = urlsplit(response.url)
    return {"ipAddress": pinned, "port": parts.port or (443 if parts.scheme == "https" else 80)}


def _recorder_notes(recorder: Recorder) -> list[str]:
    notes: list[str] = []
    if recorder.dialogs:
        notes.append(f"{len(recorder.dialogs)} JavaScript dialog(s) dismissed")
    if recorder.popups:
        notes.append(f"{len(recorder.popups)} pop-up window(s) closed")
    if recorder.refused:
        notes.append(f"{len(recorder.refused)} request(s) to non-public addresses blocked")
    return notes


async def _collect(
    slot: CaptureSlot,
    response: Response,
    url: str,
    started_at: datetime,
    opts: CaptureOptions,
    timer: StepTimer,
) -> CaptureResult:
    page, recorder = slot.page, slot.recorder
    notes: list[str] = []
    main_headers = await response.all_headers()
    with timer.step("settle"):
        await _settle_within_budget(page, opts, notes)
    with timer.step("screenshot"):
        screenshot, height = await _screenshot(slot.cdp, notes)
    with timer.step("dom"):
        dom = await page.content()
    with timer.step("mhtml"):
        snapshot = await slot.cdp.send("Page.captureSnapshot", {"format": "mhtml"})
    captured_at, clock = datetime.now(UTC), clock_info()
    with timer.step("meta"):
        addr = await _server(response, recorder)
        redirects = await _redirect_chain(response)
        headers_doc = await _headers_doc(response, addr, redirects)
        environment = _environment(page, slot, await _user_agent(slot.cdp))
    with timer.step("warc"):
        exchanges = await recorder.settle(opts.settle_timeout_s)
        warc = build_warc(
            exchanges,
            software=f"lantian {environment['tool_version']}; {environment['automation']}; "
            f"{environment['browser']} {environment['browser_version']}",
            description=f"capture of {url}",
        )
    main_body = recorder.documents.get(response.url)
    if main_body is None:
        # not paused (e.g. served from a service worker); fall back to the browser's copy
        notes.append("main document body taken from the browser cache, re-decoded as text")
        main_body = await response.body()
    notes.extend(_recorder_notes(recorder))
    log_doc = {
        "dialogs_dismissed": recorder.dialogs,
        "popups_closed": recorder.popups,
        "requests_failed": recorder.failed,
        "requests_blocked": recorder.refused,
        "responses_archived": len(exchanges),
        "page_height_px": height,
        "clock": clock.as_dict(),
        "environment": environment,
        "timings_ms": dict(timer.ms),
    }
    artifacts = (
        Artifact("screenshot", screenshot, "image/png"),
        Artifact("dom", dom.encode("utf-8"), "text/html; charset=utf-8"),
        Artifact("body", main_body, _main_media_type(main_headers)),
        Artifact("mhtml", str(snapshot["data"]).encode("utf-8"), "multipart/related"),
        Artifact("headers", _json_bytes(headers_doc), "application/json"),
        Artifact("warc", warc, "application/warc"),
        Artifact("log", _json_bytes(log_doc), "application/json"),
    )
    return CaptureResult(
        url=url,
        final_url=response.url,
        http_status=response.status,
        server_ip=addr["ipAddress"] if addr else None,
        server_port=addr["port"] if addr else None,
        redirects=tuple(redirects),
        started_at=started_at,
        captured_at=captured_at,
        clock=clock,
        environment=environment,
        artifacts=artifacts,
        notes=tuple(notes),
        timings_ms=dict(timer.ms),
    )


async def _headers_doc(
    response: Response, addr: dict[str, Any] | None, redirects: list[Redirect]
) -> dict[str, Any]:
    return {
        "request": {
            "method": response.request.method,
            "url": response.url,
            "headers": await response.request.all_headers(),
        },
        "response": {
            "status": response.status,
            "status_text": response.status_text,
            "headers": _headers_list(await response.headers_array()),
            "server": addr,
        },
        "redirect_chain": [
            {"url": r.url, "status": r.status, "location": r.location} for r in redirects
        ],
    }


def _environment(page: Page, slot: CaptureSlot, user_agent: str) -> dict[str, Any]:
    sandboxed = slot.recorder.sandboxed
    return {
        "tool": "lantian",
        "tool_version": _tool_version(),
        "browser": slot.browser,
        "browser_executable": slot.executable or "bundled with Playwright",
        "browser_version": _browser_version(page),
        "automation": f"playwright {playwright_version()}",
        "browser_args": list(CHROMIUM_ARGS) + ([] if sandboxed else ["--no-sandbox"]),
        "browser_sandbox": sandboxed,
        "isolation": slot.isolation,
        "fresh_profile": slot.uses <= 1,
        "profile_use": max(1, slot.uses),
        "profile": _profile(slot),
        "user_agent": user_agent,
        "viewport": dict(VIEWPORT),
        "locale": "zh-CN",
        "host_platform": platform.platform(),
        "python": platform.python_version(),
    }


def _profile(slot: CaptureSlot) -> str:
    """The browser profile's history in words, for the manifest's reader."""
    if slot.isolation == "reused":
        before = (
            "no capture before this one"
            if slot.uses <= 1
            else f"{slot.uses - 1} earlier capture(s), after each of which it was wiped "
            "(cookies, storage, caches, service workers, permissions, history, window.name) "
            "and its connections closed"
        )
        return f"in-memory browser context reused across captures (warm pool): {before}"
    if slot.warm:
        return (
            "new in-memory browser context per capture, opened blank before the capture "
            "(warm pool), used for this capture only, closed afterwards"
        )
    return "new in-memory browser context per capture, closed afterwards"


def _browser_version(page: Page) -> str:
    browser = page.context.browser
    return browser.version if browser is not None else "unknown"


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


async def capture_with_retry(
    pool: Pool, url: str, options: CaptureOptions | None = None
) -> CaptureResult:
    """Up to ``options.attempts`` attempts; a blocked address is not retried."""
    opts = options or CaptureOptions()
    errors: list[CaptureError] = []
    for attempt in range(max(1, opts.attempts)):
        try:
            return await capture(pool, url, opts)
        except BlockedAddressError as exc:
            errors.append(exc)
            break
        except CaptureError as exc:
            errors.append(exc)
            if attempt + 1 < opts.attempts:
                await asyncio.sleep(opts.retry_delay_s * (attempt + 1))
    raise CaptureFailed(url, errors)
