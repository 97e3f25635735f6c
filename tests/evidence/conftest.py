"""Fixtures for evidence tests: a loopback site, a Chromium, and synthetic capture results.

Synthetic results (real PNG, real WARC, no browser) keep the store, verify and
package tests fast; the capture tests drive the real system Chromium.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import threading
from collections.abc import Coroutine, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from evsite import _png, serve

from evidence.browser import BrowserPool
from evidence.capture import CaptureOptions, capture
from evidence.clock import clock_info
from evidence.result import Artifact, CaptureResult
from evidence.vault import EvidenceVault
from evidence.warc import Exchange, build_warc
from lantian.config import Settings

T = TypeVar("T")

PAGES = {
    "zh": "/zh.html",
    "gbk": "/gbk.html",
    "redirect": "/redirect",
    "lazy": "/lazy.html",
    "alert": "/alert.html",
    "long": "/long.html",
    "gone": "/gone",
}


@pytest.fixture(scope="session")
def site_url() -> Iterator[str]:
    with serve() as base:
        yield base


@pytest.fixture(scope="session")
def chromium() -> str:
    path = (
        shutil.which("chromium")
        or shutil.which("chromium-browser")
        or shutil.which("google-chrome")
    )
    if path is None:
        pytest.skip("no system Chromium on PATH (apt install chromium)")
    return path


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


@pytest.fixture(scope="session")
def browser(chromium: str) -> Iterator[BrowserThread]:
    shared = BrowserThread(chromium)
    yield shared
    shared.close()


@pytest.fixture(scope="session")
def captured(site_url: str, browser: BrowserThread) -> dict[str, CaptureResult]:
    """Each test page captured once, concurrently, in the shared browser."""
    opts = CaptureOptions(allow_private_networks=True, attempts=1)

    async def run() -> list[CaptureResult]:
        pages = (capture(browser.pool, site_url + p, opts) for p in PAGES.values())
        return list(await asyncio.gather(*pages))

    return dict(zip(PAGES, browser.run(run()), strict=True))


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


@pytest.fixture
def vault(settings: Settings) -> EvidenceVault:
    return EvidenceVault(settings.resolved_evidence_dir, settings.resolved_key_dir, "tester")


@pytest.fixture
def filled_vault(vault: EvidenceVault) -> EvidenceVault:
    """Three captures: two of listing L-1 (a recapture), one of L-2."""
    vault.record(make_result(text="专利包授权", seq=1), "L-1", "run-1")
    vault.record(
        make_result(text="商标百分百注册", seq=2, url="https://bbs.example.cn/t/2"), "L-2", "run-1"
    )
    vault.record(make_result(text="专利包授权 第二次", seq=3), "L-1", "run-2", reason="recheck")
    return vault


def artifact_path(vault: EvidenceVault, sha256: str) -> Path:
    return vault.root / "artifacts" / sha256[:2] / sha256[2:4] / sha256
