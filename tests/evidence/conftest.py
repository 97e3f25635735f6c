"""Fixtures for evidence tests: a loopback site, a Chromium, and synthetic capture results.

Synthetic results (real PNG, real WARC, no browser) keep the store, verify and
package tests fast; the capture tests drive the real system Chromium.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import TypeVar

import pytest
from evhelpers import BrowserThread, make_result
from evsite import serve

from evidence.capture import CaptureOptions, capture
from evidence.result import CaptureResult
from evidence.vault import EvidenceVault
from lantian.config import Settings, default_chromium

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
    """The browser the product would pick (the headless shell where installed)."""
    path = default_chromium()
    if path is None:
        pytest.skip("no system Chromium on PATH (apt install chromium-headless-shell chromium)")
    return path


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
