"""Records what the browser receives during a capture and guards what it may request.

Every response's raw bytes come off the wire through the DevTools ``Fetch``
domain (for the WARC and the main document body); with a guard, each request is
checked before it leaves (no private address, no WebSocket to one).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import CDPSession, Dialog, Page, Request, Response
from playwright.async_api import Error as PlaywrightError

from evidence.egress import EgressProxy
from evidence.netguard import AddressGuard
from evidence.warc import Exchange

MAX_SUBRESOURCE_BYTES = 20 * 1024 * 1024


def web_origin(url: str) -> str | None:
    """``scheme://host[:port]`` of an http(s) or ws(s) URL, the default port left out."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "ws", "wss") or not parts.hostname:
        return None
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    try:
        port = parts.port
    except ValueError:
        return None
    default = 443 if scheme == "https" else 80
    return f"{scheme}://{host}" + ("" if port in (None, default) else f":{port}")


class Recorder:
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
        self.origins: set[str] = set()
        """Every origin the page requested from (what a reused profile must wipe afterwards)."""

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
        if (origin := web_origin(url)) is not None:
            self.origins.add(origin)
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

    def refusal_of(self, url: str) -> str | None:
        """Why the DevTools guard refused a request for ``url``, if it did."""
        prefix = f"{url}: "
        return next((b.removeprefix(prefix) for b in self.blocked if b.startswith(prefix)), None)

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
