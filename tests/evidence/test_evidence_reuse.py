"""Reused capture profiles (``isolation="reused"``): nothing one capture leaves is seen by the next.

A probe page reports what it can read of earlier visits (cookies, local and session
storage, IndexedDB, Cache Storage, service workers, ``window.name``, history length,
a cross-site frame's storage), then writes all of it.  Captured twice in a row through
a pool of one reused slot, the second capture must read what the first did on a new
profile: nothing.  A cacheable script must be fetched again (and archived), and the
manifests must say the profile was reused.
"""

from __future__ import annotations

import asyncio
import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from evhelpers import BrowserThread
from warcio.archiveiterator import ArchiveIterator

from evidence.capture import CaptureOptions, capture
from evidence.errors import CaptureError
from evidence.isolation import Isolation
from evidence.result import CaptureResult
from evidence.slots import WarmPool
from evidence.vault import EvidenceVault

pytestmark = [pytest.mark.browser]

OPTS = CaptureOptions(allow_private_networks=True, attempts=1)

PROBE = """<!doctype html><html><head><meta charset="utf-8"><script src="/cached.js"></script>
</head><body><pre id="seen">pending</pre><script>
const idb = () => new Promise((resolve) => {
  const open = indexedDB.open('probe');
  open.onupgradeneeded = () => open.result.createObjectStore('s');
  open.onerror = () => resolve('error');
  open.onsuccess = () => {
    const db = open.result, tx = db.transaction('s', 'readwrite'), get = tx.objectStore('s').get('k');
    get.onsuccess = () => { const v = get.result ?? null; tx.objectStore('s').put('set', 'k');
      tx.oncomplete = () => { db.close(); resolve(v); }; };
  };
});
const storage = async () => {
  const seen = {cookie: document.cookie, local: localStorage.getItem('k'),
    session: sessionStorage.getItem('k'), name: window.name, history: history.length,
    idb: await idb(), caches: (await caches.keys()).join(','),
    workers: (await navigator.serviceWorker.getRegistrations()).length};
  document.cookie = 'k=set; max-age=3600';
  localStorage.setItem('k', 'set'); sessionStorage.setItem('k', 'set'); window.name = 'set';
  await (await caches.open('c')).put('/x', new Response('x'));
  await navigator.serviceWorker.register('/worker.js').catch(() => null);
  return seen;
};
(async () => {
  // a cross-site frame may be denied storage altogether; it says so instead of hanging
  const seen = await storage().catch((e) => 'error ' + e.name);
  if (window !== top) { parent.postMessage(seen, '*'); return; }
  const frame = document.createElement('iframe');
  frame.src = location.href.replace('127.0.0.1', 'localhost') + '?frame';
  seen.frame = await new Promise((resolve) => {
    addEventListener('message', (e) => resolve(e.data), {once: true});
    frame.onerror = () => resolve('no frame');
    document.body.appendChild(frame);
  }).catch((e) => String(e));
  document.getElementById('seen').textContent = JSON.stringify(seen);
})().catch((e) => { document.getElementById('seen').textContent = 'error ' + e; });
</script></body></html>"""


class ProbeSite:
    """The probe page, a cacheable script (counted), a service worker and a failing page."""

    def __init__(self) -> None:
        self.script_hits = 0
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                if path == "/cached.js":
                    site.script_hits += 1
                    self._send(200, b"window.cachedScript = 1;", "text/javascript", "max-age=3600")
                elif path == "/worker.js":
                    self._send(200, b"self.onfetch = () => {};", "text/javascript")
                elif path == "/busy":
                    self._send(503, b"busy", "text/plain")
                else:
                    self._send(200, PROBE.encode(), "text/html; charset=utf-8", "max-age=3600")

            def _send(self, status: int, body: bytes, media: str, cache: str = "no-store") -> None:
                self.send_response(status)
                self.send_header("Content-Type", media)
                self.send_header("Cache-Control", cache)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
def probe_site() -> Iterator[ProbeSite]:
    site = ProbeSite()
    site.thread.start()
    yield site
    site.server.shutdown()
    site.server.server_close()
    site.thread.join()


def _seen(result: CaptureResult) -> dict[str, Any]:
    artifact = result.artifact("dom")
    assert artifact is not None
    dom = artifact.data.decode("utf-8")
    start = dom.index('<pre id="seen">') + len('<pre id="seen">')
    text = dom[start : dom.index("</pre>", start)]
    assert text.startswith("{"), f"the probe did not finish: {text}"
    return dict(json.loads(text))


def _archived(result: CaptureResult, path: str) -> bool:
    """The WARC holds a response for ``path`` with its body."""
    warc = result.artifact("warc")
    assert warc is not None
    for record in ArchiveIterator(io.BytesIO(warc.data)):
        uri = record.rec_headers.get_header("WARC-Target-URI") or ""
        if record.rec_type == "response" and uri.endswith(path):
            return bool(record.content_stream().read())
    return False


def _run(browser: BrowserThread, urls: list[str], **pool: Any) -> tuple[list[Any], WarmPool]:
    """Each URL captured in turn through one reused slot; a failed capture gives its error."""

    async def run() -> tuple[list[Any], WarmPool]:
        async with WarmPool(browser.pool, OPTS, 1, "reused", spares=0, **pool) as warm:
            done: list[Any] = []
            for url in urls:
                try:
                    done.append(await capture(warm, url, OPTS))
                except CaptureError as exc:
                    done.append(exc)
            await asyncio.sleep(0)
            return done, warm

    return browser.run(run())


def test_a_reused_profile_shows_the_next_capture_nothing_of_the_last(
    browser: BrowserThread, probe_site: ProbeSite, vault: EvidenceVault
) -> None:
    url = probe_site.url("/probe.html")
    (first, second, third), warm = _run(browser, [url, url, url])

    new_profile = _seen(first)
    assert new_profile["cookie"] == "" and new_profile["local"] is None
    assert new_profile["workers"] == 0
    for later in (second, third):
        assert _seen(later) == new_profile, "a later capture saw state an earlier one left"
    # the page and its cross-site frame (a cache partition of its own) load it each time
    assert probe_site.script_hits == 2 * 3, "the cacheable script was fetched again each time"
    assert all(_archived(r, "/cached.js") for r in (first, second, third)), (
        "each capture's WARC holds the script off the wire, not from a cache"
    )
    assert warm.opened == 1, "one profile served all three captures"
    uses = [(r.environment["isolation"], r.environment["profile_use"]) for r in (first, second)]
    assert uses == [("reused", 1), ("reused", 2)]
    assert [r.environment["fresh_profile"] for r in (first, second)] == [True, False]
    assert "wipe" in second.timings_ms and "wipe" not in first.timings_ms
    assert {r.server_ip for r in (first, second, third)} == {"127.0.0.1"}, (
        "each capture connected anew through the egress proxy, which recorded the address"
    )
    stored = [vault.record(r, f"L-{n}", "run-r") for n, r in enumerate((first, second, third))]
    assert [s.isolation for s in stored] == ["reused"] * 3
    assert vault.manifest(stored[1].capture_uid).environment["profile_use"] == 2
    report = vault.verify()
    assert report.ok and report.captures == 3, report.problems


def test_a_failed_capture_retires_its_profile_and_uses_run_out(
    browser: BrowserThread, probe_site: ProbeSite
) -> None:
    probe, busy = probe_site.url("/probe.html"), probe_site.url("/busy")
    results, warm = _run(browser, [probe, busy, probe, probe, probe], max_uses=2)

    assert isinstance(results[1], CaptureError), "a 503 is the server failing, not evidence"
    uses = [r.environment["profile_use"] for r in results if isinstance(r, CaptureResult)]
    assert uses == [1, 1, 2, 1], "a new profile after the failure and after two uses"
    assert warm.opened == 3
    assert warm.retired == ["its capture failed"]


def _many(
    browser: BrowserThread, url: str, n: int, size: int, isolation: Isolation
) -> tuple[list[CaptureResult], int]:
    """``n`` captures of ``url``, ``size`` at once, once the pool's profiles are all open."""

    async def run() -> tuple[list[CaptureResult], int]:
        async with WarmPool(browser.pool, OPTS, size, isolation) as warm:
            while warm.ready < warm.profiles:
                await asyncio.sleep(0.02)
            done = await asyncio.gather(*(capture(warm, url, OPTS) for _ in range(n)))
            return list(done), warm.opened

    return browser.run(run())


def test_the_fresh_mode_opens_a_profile_per_capture(
    browser: BrowserThread, probe_site: ProbeSite
) -> None:
    (first, second), opened = _many(browser, probe_site.url("/probe.html"), 2, 1, "fresh")
    assert opened >= 2
    assert [r.environment["profile_use"] for r in (first, second)] == [1, 1]
    assert {r.environment["isolation"] for r in (first, second)} == {"fresh"}
    assert _seen(second) == _seen(first)


def test_spare_reused_profiles_are_wiped_while_others_capture(
    browser: BrowserThread, probe_site: ProbeSite
) -> None:
    results, opened = _many(browser, probe_site.url("/probe.html"), 6, 2, "reused")
    assert opened == 4, "two slots in use, two spare"
    assert sorted(r.environment["profile_use"] for r in results) == [1, 1, 1, 1, 2, 2]
    assert all(_seen(r) == _seen(results[0]) for r in results)
