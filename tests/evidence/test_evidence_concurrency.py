"""Captures side by side: a warm pool of fresh profiles, recorded from several threads at once.

The ledger must come out as one unbroken chain in the order entries were
appended, every capture complete and verifiable, each with its step timings.
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from evhelpers import BrowserThread

from evidence.capture import CaptureOptions, capture_with_retry
from evidence.slots import WarmPool
from evidence.timing import CAPTURE_STEPS, VAULT_STEPS
from evidence.vault import EvidenceVault, StoredCapture

pytestmark = [pytest.mark.browser]

COMPLETE = {"screenshot", "dom", "body", "mhtml", "headers", "warc", "log"}
OPTS = CaptureOptions(allow_private_networks=True, attempts=1)


def _capture_all(
    browser: BrowserThread, vault: EvidenceVault, urls: list[str], size: int
) -> tuple[list[StoredCapture], dict[str, float], int]:
    """Every URL through a warm pool of ``size``; records run in threads, concurrently."""
    walls: dict[str, float] = {}
    peak = 0

    async def run() -> list[StoredCapture]:
        async with WarmPool(browser.pool, OPTS, size) as warm:

            async def one(i: int, url: str) -> StoredCapture:
                start = time.perf_counter()
                result = await capture_with_retry(warm, url, OPTS)
                stored = await asyncio.to_thread(vault.record, result, f"L-{i}", "run-c")
                walls[stored.capture_uid] = (time.perf_counter() - start) * 1000.0
                return stored

            done = list(await asyncio.gather(*(one(i, u) for i, u in enumerate(urls))))
            nonlocal peak
            peak = warm.peak_in_use
            return done

    return browser.run(run()), walls, peak


def test_concurrent_captures_make_one_unbroken_chain_and_verify(
    site_url: str, browser: BrowserThread, vault: EvidenceVault
) -> None:
    pages = ["/zh.html", "/gbk.html", "/lazy.html", "/redirect", "/long.html", "/alert.html"]
    urls = [site_url + p for p in pages + pages]
    stored, walls, peak = _capture_all(browser, vault, urls, size=3)

    assert len(stored) == len(urls)
    assert 1 < peak <= 3, "captures ran side by side, never more than the pool's size"
    entries = vault.ledger.entries()
    assert [e.index for e in entries] == list(range(len(urls)))
    assert sorted(s.ledger_index for s in stored) == list(range(len(urls)))
    by_uid = {e.capture_uid: e for e in entries}
    for s in stored:
        assert by_uid[s.capture_uid].entry_hash == s.ledger_entry_hash
        assert {a.kind for a in s.artifacts} == COMPLETE
        manifest = vault.manifest(s.capture_uid)
        assert manifest.chain.index == s.ledger_index
        prev = entries[s.ledger_index - 1].entry_hash if s.ledger_index else "0" * 64
        assert manifest.chain.prev_hash == prev, "each manifest names the entry before it"
    report = vault.verify()
    assert report.ok, report.problems
    assert report.captures == len(urls)


def test_every_step_is_timed_and_the_steps_add_up(
    site_url: str, browser: BrowserThread, vault: EvidenceVault
) -> None:
    urls = [f"{site_url}/zh.html?n={n}" for n in range(4)]
    # one slot per page: nothing queues, so a capture's wall time is its own steps
    stored, walls, _peak = _capture_all(browser, vault, urls, size=len(urls))

    for s in stored:
        steps = s.timings_ms
        assert set(CAPTURE_STEPS) | set(VAULT_STEPS) | {"slot", "close"} <= set(steps), steps
        assert all(ms >= 0 for ms in steps.values())
        assert steps["navigate"] > 0 and steps["screenshot"] > 0 and steps["hash"] > 0
        # the steps run one after another inside the capture: their sum fits in its wall time,
        # and accounts for a good part of it (the rest is the event loop serving other captures)
        assert 0.25 * walls[s.capture_uid] <= sum(steps.values()) <= walls[s.capture_uid]
        log = json.loads(
            vault.artifacts.get(next(a.sha256 for a in s.artifacts if a.kind == "log"))
        )
        assert set(CAPTURE_STEPS) <= set(log["timings_ms"]), (
            "the signed log keeps the browser steps"
        )
        assert log["environment"]["fresh_profile"] is True
        assert "warm pool" in log["environment"]["profile"]


def test_a_warm_profile_carries_nothing_from_the_capture_before(
    site_url: str, browser: BrowserThread
) -> None:
    """Slots are opened ahead of time, but each is a new profile used for one capture only."""

    async def run() -> list[str]:
        async with WarmPool(browser.pool, OPTS, 1) as warm:
            seen = []
            for _ in range(3):
                async with warm.slot(OPTS) as slot:
                    await slot.page.goto(site_url + "/zh.html")
                    seen.append(
                        str(await slot.page.evaluate("document.cookie + '|' + localStorage.length"))
                    )
                    await slot.page.evaluate(
                        "document.cookie = 'seen=1; max-age=3600'; localStorage.setItem('k', 'v')"
                    )
            return seen

    assert browser.run(run()) == ["|0", "|0", "|0"]
