"""Wiping a reused capture profile between two captures (``capture_isolation = "reused"``).

A new browser context per capture costs Chromium two renderer processes, about
1.5 s of CPU; a context kept and wiped costs a dozen DevTools calls.  Reuse is
only honest if nothing one capture leaves can be seen by the next, so after each
capture the slot's page is taken to ``about:blank`` (the document ends, with its
timers, workers and sockets), then:

- ``window.name`` is emptied (it belongs to the tab and survives navigation) and
  the tab's history is dropped (``history.length`` would count earlier captures);
- every cookie of the context is deleted and every granted permission revoked;
- for every origin the capture touched (each request the recorder saw, each frame):
  local and session storage, IndexedDB, Cache Storage, service workers, file
  systems, shared storage and storage buckets (``Storage.clearDataForOrigin``, all types);
- the HTTP cache is emptied (a cached response would also skip the raw-body
  recorder, leaving it out of the WARC);
- the egress proxy ends every connection (the next capture connects, and is
  checked and pinned, anew) and forgets its log;
- any page besides the slot's own is closed.

Then the wipe is checked: the context must hold no cookie and one page.  A slot
whose capture or wipe failed is closed instead of reused.

What reuse keeps, and a fresh profile would not: the renderer process, and the
network stack's TLS session tickets, HSTS and Alt-Svc entries.  None is readable
by a page; a server could still link two captures of its own site through a
resumed TLS session.  ``capture_isolation = "fresh"`` gives each capture a
profile of its own, for cases a court will see.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from playwright.async_api import BrowserContext, CDPSession, Page
from playwright.async_api import Error as PlaywrightError

from evidence.errors import EvidenceError
from evidence.recorder import Recorder, web_origin

if TYPE_CHECKING:
    from evidence.egress import EgressProxy

WIPE_TIMEOUT_S = 10.0


class WipeIncomplete(EvidenceError):
    """A reused profile still held state after the wipe; the slot is closed, not reused."""


def touched_origins(page: Page, recorder: Recorder, egress: EgressProxy) -> set[str]:
    """Origins whose storage the capture may have written: requests, frames, connections."""
    origins = set(recorder.origins)
    origins.update(o for f in page.frames if (o := web_origin(f.url)) is not None)
    for host, port in egress.connected:
        for scheme in ("http", "https"):
            if (o := web_origin(f"{scheme}://{_host(host)}:{port}/")) is not None:
                origins.add(o)
    return origins


def _host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


async def wipe(
    context: BrowserContext, page: Page, cdp: CDPSession, recorder: Recorder, egress: EgressProxy
) -> None:
    """Leave the profile as a new one would be for everything a page can read (see above).

    Raises :class:`WipeIncomplete` (or a Playwright error) when it cannot; the caller
    then closes the slot.
    """
    origins = touched_origins(page, recorder, egress)
    timeout_ms = WIPE_TIMEOUT_S * 1000
    await page.goto("about:blank", wait_until="load", timeout=timeout_ms)
    await page.evaluate("window.name = ''")
    await cdp.send("Page.resetNavigationHistory")
    for other in context.pages:
        if other is not page:
            with contextlib.suppress(PlaywrightError):
                await other.close()
    await context.clear_cookies()
    await context.clear_permissions()
    for origin in sorted(origins):
        await cdp.send("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "all"})
    await cdp.send("Network.clearBrowserCache")
    await egress.reset()
    left = await context.cookies()
    if left or len(context.pages) != 1:
        raise WipeIncomplete(
            f"the reused profile kept {len(left)} cookie(s) and {len(context.pages)} page(s)"
        )
