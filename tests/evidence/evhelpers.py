"""Helpers the evidence tests import by name: a shared browser thread, synthetic capture
results, artifact paths.  (Test modules import from here, not from ``conftest``: another
folder's conftest has the same module name, so ``from conftest import`` breaks whenever
both folders are collected in one run.)"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from evsite import _png

from evidence.browser import BrowserPool
from evidence.clock import clock_info
from evidence.result import Artifact, CaptureResult
from evidence.vault import EvidenceVault
from evidence.warc import Exchange, build_warc

T = TypeVar("T")


class BrowserThread:
    """One started BrowserPool on an event loop in a background thread, shared by the session.

    Launching Chromium is the slowest step of a capture; tests share one browser
    the way the crawler does, each capture still in a fresh context.
    """

    def __init__(self, chromium: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.pool = self.run(BrowserPool(chromium, max_pages=3).start())

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=120)

    def close(self) -> None:
        self.run(self.pool.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


def make_result(
    url: str = "https://shop.example.cn/item/1", text: str = "专利包授权", seq: int = 0
) -> CaptureResult:
    """A complete capture result without a browser: real PNG, HTML, headers, WARC."""
    html = f'<!doctype html><meta charset="utf-8"><p>{text}</p>'.encode()
    when = datetime(2026, 11, 26, 8, 0, tzinfo=UTC) + timedelta(minutes=seq)
    warc = build_warc(
        [
            Exchange(
                url=url,
                method="GET",
                request_headers=[("User-Agent", "test")],
                status=200,
                status_text="OK",
                response_headers=[("Content-Type", "text/html; charset=utf-8")],
                body=html,
                server_ip="203.0.113.7",
                time=when,
            )
        ],
        software="lantian tests",
        description=f"capture of {url}",
    )
    headers = json.dumps({"response": {"status": 200}, "url": url}).encode()
    return CaptureResult(
        url=url,
        final_url=url,
        http_status=200,
        server_ip="203.0.113.7",
        server_port=443,
        redirects=(),
        started_at=when,
        captured_at=when + timedelta(seconds=2),
        clock=clock_info(),
        environment={"tool": "lantian", "browser": "none (synthetic)", "fresh_profile": True},
        artifacts=(
            Artifact("screenshot", _png(8, 8, (seq % 256, 20, 200)), "image/png"),
            Artifact("dom", html, "text/html; charset=utf-8"),
            Artifact("body", html + b"<!-- raw -->", "text/html; charset=utf-8"),
            Artifact("headers", headers, "application/json"),
            Artifact("warc", warc, "application/warc"),
        ),
    )


def artifact_path(vault: EvidenceVault, sha256: str) -> Path:
    return vault.root / "artifacts" / sha256[:2] / sha256[2:4] / sha256
