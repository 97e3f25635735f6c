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
import platform
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import CDPSession, Dialog, Page, Request, Response
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from evidence.browser import CHROMIUM_ARGS, VIEWPORT, BrowserPool, playwright_version
from evidence.clock import clock_info
from evidence.egress import EgressPolicy, EgressProxy
from evidence.errors import (
    BlockedAddressError,
    CaptureError,
    CaptureFailed,
    NavigationError,
    ServerError,
)
from evidence.netguard import AddressGuard
from evidence.result import Artifact, CaptureResult, Redirect
from evidence.warc import Exchange, build_warc

MAX_SUBRESOURCE_BYTES = 20 * 1024 * 1024
MAX_SCREENSHOT_HEIGHT = 30000

_SCROLL_JS = """
async ([stepMs, maxSteps]) => {
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
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
  return document.documentElement.scrollHeight;
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


class _Recorder:
    """Takes every response's raw bytes off the wire (DevTools ``Fetch`` domain), guards requests.

    ``Network.getResponseBody`` (what ``Response.body()`` uses) hands text back
    re-decoded by the browser, so a GBK page would come back as UTF-8.  Pausing
    each response in the ``Fetch`` domain yields the bytes as the server sent
    them (after transfer/content decoding), while the browser still does the
    real network request (server address, redirects and cookies unchanged).
    The same hook refuses requests to non-public addresses when required.
    """

    def __init__(
        self, cdp: CDPSession, guard: AddressGuard | None, egress: EgressProxy | None = None
    ) -> None:
        self.cdp = cdp
        self.guard = guard
        self.egress = egress
        self.sandboxed = False
        self.exchanges: list[Exchange] = []
        self.documents: dict[str, bytes] = {}
        self.server_ips: dict[str, str] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self.failed: list[str] = []
        self.dialogs: list[str] = []
        self.popups: list[str] = []
        self.blocked: list[str] = []

    async def enable(self) -> None:
        patterns: list[dict[str, str]] = [{"urlPattern": "*", "requestStage": "Response"}]
        if self.guard is not None:
            patterns.append({"urlPattern": "*", "requestStage": "Request"})
        self.cdp.on("Fetch.requestPaused", self._on_paused)
        await self.cdp.send("Fetch.enable", {"patterns": patterns})

    def _on_paused(self, event: dict[str, Any]) -> None:
        task = asyncio.ensure_future(self._paused(event))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _paused(self, event: dict[str, Any]) -> None:
        rid = event["requestId"]
        request = event["request"]
        url = str(request["url"])
        try:
            if "responseStatusCode" not in event and "responseErrorReason" not in event:
                reason = await self.guard.refusal(url) if self.guard else None
                if reason is None:
                    await self.cdp.send("Fetch.continueRequest", {"requestId": rid})
                else:
                    self.blocked.append(f"{url}: {reason}")
                    await self.cdp.send(
                        "Fetch.failRequest", {"requestId": rid, "errorReason": "BlockedByClient"}
                    )
                return
            if "responseErrorReason" in event:
                self.failed.append(f"{url}: {event['responseErrorReason']}")
                await self.cdp.send("Fetch.continueRequest", {"requestId": rid})
                return
            status = int(event["responseStatusCode"])
            headers = [(h["name"], h["value"]) for h in event.get("responseHeaders", [])]
            body = b""
            if not 300 <= status < 400:
                body = await self._body(rid, url, headers)
            self.exchanges.append(
                Exchange(
                    url=url,
                    method=str(request.get("method", "GET")),
                    request_headers=[
                        (str(k), str(v)) for k, v in request.get("headers", {}).items()
                    ],
                    status=status,
                    status_text=str(event.get("responseStatusText", "")),
                    response_headers=headers,
                    body=body,
                    request_body=str(request.get("postData", "")).encode("utf-8"),
                    time=datetime.now(UTC),
                )
            )
            if event.get("resourceType") == "Document":
                self.documents[url] = body
            await self.cdp.send("Fetch.continueResponse", {"requestId": rid})
        except PlaywrightError as exc:
            # the page or request went away mid-capture; the request is no longer ours to continue
            self.failed.append(f"{url}: not archived ({exc.message.splitlines()[0]})")

    async def _body(self, rid: str, url: str, headers: list[tuple[str, str]]) -> bytes:
        length = next((v for k, v in headers if k.lower() == "content-length"), "")
        if length.isdigit() and int(length) > MAX_SUBRESOURCE_BYTES:
            self.failed.append(f"{url}: body of {length} bytes not archived (over limit)")
            return b""
        reply = await self.cdp.send("Fetch.getResponseBody", {"requestId": rid})
        raw = str(reply.get("body", ""))
        return base64.b64decode(raw) if reply.get("base64Encoded") else raw.encode("utf-8")

    def on_response(self, response: Response) -> None:
        task = asyncio.ensure_future(self._server_ip(response))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _server_ip(self, response: Response) -> None:
        with contextlib.suppress(PlaywrightError):
            addr = await response.server_addr()
            if addr:
                self.server_ips[response.url] = addr["ipAddress"]

    def on_failed(self, request: Request) -> None:
        self.failed.append(f"{request.method} {request.url}: {request.failure or 'failed'}")

    async def settle(self, timeout_s: float) -> list[Exchange]:
        """Wait for pending hooks, then return the exchanges with server addresses filled in."""
        if self.tasks:
            _done, pending = await asyncio.wait(set(self.tasks), timeout=timeout_s)
            if pending:
                self.failed.append(
                    f"{len(pending)} response(s) still pending when the capture ended"
                )
        for ex in self.exchanges:
            ex.server_ip = self.server_address(ex.url) or self.server_ips.get(ex.url)
        return list(self.exchanges)

    def server_address(self, url: str) -> str | None:
        """The address the egress proxy connected to for ``url`` (the browser only sees the proxy)."""
        if self.egress is None:
            return None
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme in ("https", "wss") else 80)
        return self.egress.address_of(parts.hostname or "", port)

    @property
    def refused(self) -> list[str]:
        """Requests refused by the DevTools guard and connections refused by the egress proxy."""
        return self.blocked + (self.egress.blocked if self.egress else [])

    def cancel_pending(self) -> None:
        """Drop hooks still running when the capture ends (their page is about to close)."""
        for task in list(self.tasks):
            task.cancel()

    async def on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message[:500]}")
        with contextlib.suppress(PlaywrightError):
            await dialog.dismiss()

    async def on_popup(self, popup: Page) -> None:
        self.popups.append(popup.url)
        with contextlib.suppress(PlaywrightError):
            await popup.close()


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


async def capture(
    pool: BrowserPool, url: str, options: CaptureOptions | None = None
) -> CaptureResult:
    """One capture attempt of ``url`` in a fresh browser profile."""
    opts = options or CaptureOptions()
    guard = AddressGuard(opts.allow_private_networks, opts.allowed_origins)
    refusal = await guard.refusal(url)
    if refusal is not None:
        raise BlockedAddressError(url, refusal)
    started_at = datetime.now(UTC)
    policy = EgressPolicy(opts.allow_private_networks, opts.allowed_origins)
    async with EgressProxy(policy) as egress, pool.context(proxy=egress.server) as ctx:
        page = await ctx.new_page()
        cdp = await ctx.new_cdp_session(page)
        recorder = _Recorder(cdp, None if opts.allow_private_networks else guard, egress)
        recorder.sandboxed = pool.sandboxed
        await recorder.enable()
        page.on("dialog", recorder.on_dialog)
        page.on("response", recorder.on_response)
        page.on("requestfailed", recorder.on_failed)
        ctx.on("page", recorder.on_popup)
        try:
            return await _navigate_and_collect(cdp, page, url, started_at, opts, recorder)
        except NavigationError as exc:
            raise _with_egress_reason(exc, url, egress) from exc
        finally:
            recorder.cancel_pending()


def _with_egress_reason(exc: NavigationError, url: str, egress: EgressProxy) -> CaptureError:
    """The proxy knows why a connection failed; the browser only says the SOCKS connect failed."""
    host = (urlsplit(url).hostname or "").lower()
    refused = [b for b in egress.blocked if b.startswith(f"{host}:")]
    if refused:
        return BlockedAddressError(url, refused[0])
    failed = [f for f in egress.failed if f.startswith(f"{host}:")]
    if failed:
        return NavigationError(url, f"{exc.reason} (proxy: {failed[0]})")
    return exc


async def _navigate_and_collect(
    cdp: CDPSession,
    page: Page,
    url: str,
    started_at: datetime,
    opts: CaptureOptions,
    recorder: _Recorder,
) -> CaptureResult:
    try:
        response = await page.goto(url, wait_until="load", timeout=opts.navigation_timeout_s * 1000)
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
        return await _collect(cdp, page, response, url, started_at, opts, recorder)
    except PlaywrightTimeoutError as exc:
        raise CaptureError(
            url, f"timed out while collecting artifacts: {exc.message.splitlines()[0]}"
        ) from exc
    except PlaywrightError as exc:
        raise CaptureError(
            url, f"browser error while collecting artifacts: {exc.message.splitlines()[0]}"
        ) from exc


async def _settle(page: Page, opts: CaptureOptions) -> int:
    """Scroll through the page so lazy content loads, then wait for the network to go quiet."""
    height = int(await page.evaluate(_SCROLL_JS, [opts.scroll_step_ms, opts.max_scroll_steps]))
    with contextlib.suppress(PlaywrightTimeoutError):
        await page.wait_for_load_state("networkidle", timeout=opts.settle_timeout_s * 1000)
    await page.evaluate(_IMAGES_JS, int(opts.settle_timeout_s * 1000))
    # close overlays that listen for Escape (cookie banners, modal pop-ups)
    await page.keyboard.press("Escape")
    return height


async def _collect(
    cdp: CDPSession,
    page: Page,
    response: Response,
    url: str,
    started_at: datetime,
    opts: CaptureOptions,
    recorder: _Recorder,
) -> CaptureResult:
    notes: list[str] = []
    main_headers = await response.all_headers()
    request_headers = await response.request.all_headers()
    height = await _settle(page, opts)
    if height > MAX_SCREENSHOT_HEIGHT:
        notes.append(
            f"page is {height}px tall; the screenshot shows the first {MAX_SCREENSHOT_HEIGHT}px"
        )
        screenshot = await page.screenshot(
            type="png",
            clip={"x": 0, "y": 0, "width": VIEWPORT["width"], "height": MAX_SCREENSHOT_HEIGHT},
            full_page=True,
        )
    else:
        screenshot = await page.screenshot(type="png", full_page=True)
    dom = await page.content()
    snapshot = await cdp.send("Page.captureSnapshot", {"format": "mhtml"})
    captured_at = datetime.now(UTC)
    clock = clock_info()
    addr = await response.server_addr()
    pinned = recorder.server_address(response.url)
    if pinned is not None:
        parts = urlsplit(response.url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addr = {"ipAddress": pinned, "port": port}
    redirects = await _redirect_chain(response)
    user_agent = str(await page.evaluate("navigator.userAgent"))
    exchanges = await recorder.settle(opts.settle_timeout_s)
    main_body = recorder.documents.get(response.url)
    if main_body is None:
        # not paused (e.g. served from a service worker); fall back to the browser's copy
        notes.append("main document body taken from the browser cache, re-decoded as text")
        main_body = await response.body()
    if recorder.dialogs:
        notes.append(f"{len(recorder.dialogs)} JavaScript dialog(s) dismissed")
    if recorder.popups:
        notes.append(f"{len(recorder.popups)} pop-up window(s) closed")
    if recorder.refused:
        notes.append(f"{len(recorder.refused)} request(s) to non-public addresses blocked")
    sandboxed = recorder.sandboxed
    environment: dict[str, Any] = {
        "tool": "lantian",
        "tool_version": _tool_version(),
        "browser": "Chromium (headless)",
        "browser_version": _browser_version(page),
        "automation": f"playwright {playwright_version()}",
        "browser_args": list(CHROMIUM_ARGS) + ([] if sandboxed else ["--no-sandbox"]),
        "browser_sandbox": sandboxed,
        "fresh_profile": True,
        "profile": "new in-memory browser context per capture, closed afterwards",
        "user_agent": user_agent,
        "viewport": dict(VIEWPORT),
        "locale": "zh-CN",
        "host_platform": platform.platform(),
        "python": platform.python_version(),
    }
    headers_doc = {
        "request": {
            "method": response.request.method,
            "url": response.url,
            "headers": request_headers,
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
    log_doc = {
        "dialogs_dismissed": recorder.dialogs,
        "popups_closed": recorder.popups,
        "requests_failed": recorder.failed,
        "requests_blocked": recorder.refused,
        "responses_archived": len(exchanges),
        "page_height_px": height,
        "clock": clock.as_dict(),
        "environment": environment,
    }
    warc = build_warc(
        exchanges,
        software=f"lantian {environment['tool_version']}; {environment['automation']}; Chromium {environment['browser_version']}",
        description=f"capture of {url}",
    )
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
    )


def _browser_version(page: Page) -> str:
    browser = page.context.browser
    return browser.version if browser is not None else "unknown"


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


async def capture_with_retry(
    pool: BrowserPool, url: str, options: CaptureOptions | None = None
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
