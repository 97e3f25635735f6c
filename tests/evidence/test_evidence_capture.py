"""Real captures with the system Chromium of a loopback site (Chinese, GBK, redirect, lazy, pop-ups)."""

from __future__ import annotations

import io
import json
import socket
import struct
import time

import pytest
from evhelpers import BrowserThread
from evsite import GBK_PAGE, GBK_TEXT, ZH_PAGE, ZH_TEXT, Handler
from warcio.archiveiterator import ArchiveIterator

from evidence.batch import CaptureFailure, CaptureRequest, capture_urls
from evidence.browser import browser_product
from evidence.capture import (
    MAX_SCREENSHOT_HEIGHT,
    MAX_SCREENSHOT_WIDTH,
    CaptureOptions,
    capture_with_retry,
    settle_budget_s,
)
from evidence.errors import BlockedAddressError, CaptureFailed, NavigationError, ServerError
from evidence.result import CaptureResult
from evidence.vault import EvidenceVault, StoredCapture

pytestmark = pytest.mark.browser


def warc_urls(result: CaptureResult) -> dict[str, int]:
    out: dict[str, int] = {}
    for record in ArchiveIterator(io.BytesIO(result.artifact("warc").data)):
        if record.rec_type == "response":
            out[record.rec_headers.get_header("WARC-Target-URI")] = (
                record.http_headers.get_statuscode()
            )
    return out


def test_chinese_page_yields_every_artifact(
    captured: dict[str, CaptureResult], site_url: str, chromium: str
) -> None:
    r = captured["zh"]
    assert r.http_status == 200
    assert r.final_url == f"{site_url}/zh.html"
    assert r.server_ip == "127.0.0.1"
    assert {a.kind for a in r.artifacts} == {
        "screenshot",
        "dom",
        "body",
        "mhtml",
        "headers",
        "warc",
        "log",
    }
    assert r.artifact("screenshot").data.startswith(b"\x89PNG\r\n\x1a\n")
    assert ZH_TEXT in r.artifact("dom").data.decode("utf-8")
    assert r.artifact("body").data == ZH_PAGE.encode("utf-8")
    assert r.artifact("mhtml").data.startswith(b"From: <Saved by Blink>")
    headers = json.loads(r.artifact("headers").data)
    assert ["X-Test", "zh"] in headers["response"]["headers"]
    assert headers["response"]["server"]["ipAddress"] == "127.0.0.1"
    urls = warc_urls(r)
    assert urls[f"{site_url}/zh.html"] == "200"
    assert urls[f"{site_url}/static/logo.png"] == "200"
    assert r.environment["fresh_profile"] is True
    assert r.environment["browser_version"][0].isdigit()
    assert r.environment["browser_executable"] == chromium
    assert r.environment["browser"] == browser_product(chromium)
    assert r.clock.source.startswith("system clock")
    assert r.started_at <= r.captured_at


def test_gbk_body_is_kept_as_received(captured: dict[str, CaptureResult]) -> None:
    r = captured["gbk"]
    assert r.artifact("body").data == GBK_PAGE
    assert r.artifact("body").media_type == "text/html; charset=gbk"
    assert GBK_TEXT in r.artifact("dom").data.decode("utf-8")


def test_redirect_chain_and_final_url(captured: dict[str, CaptureResult], site_url: str) -> None:
    r = captured["redirect"]
    assert r.url == f"{site_url}/redirect"
    assert r.final_url == f"{site_url}/zh.html"
    assert [(h.url, h.status, h.location) for h in r.redirects] == [
        (f"{site_url}/redirect", 302, "/hop"),
        (f"{site_url}/hop", 301, "/zh.html"),
    ]
    urls = warc_urls(r)
    assert urls[f"{site_url}/redirect"] == "302"
    assert urls[f"{site_url}/hop"] == "301"


def test_lazy_content_is_loaded_by_scrolling(
    captured: dict[str, CaptureResult], site_url: str
) -> None:
    r = captured["lazy"]
    assert Handler.hits.get("/static/lazy-native.png", 0) >= 1
    assert Handler.hits.get("/static/lazy-observed.png", 0) >= 1
    assert f"{site_url}/static/lazy-observed.png" in warc_urls(r)
    assert 'src="/static/lazy-observed.png"' in r.artifact("dom").data.decode()


def test_long_page_is_captured_full_height(captured: dict[str, CaptureResult]) -> None:
    png = captured["long"].artifact("screenshot").data
    width, height = struct.unpack(">II", png[16:24])
    assert width == 1280
    assert height >= 15 * 400
    assert json.loads(captured["long"].artifact("log").data)["page_height_px"] == height


def test_a_page_lying_about_its_enormous_size_gets_a_bounded_screenshot(
    browser: BrowserThread, site_url: str
) -> None:
    opts = CaptureOptions(allow_private_networks=True, attempts=1)
    r = browser.run(capture_with_retry(browser.pool, f"{site_url}/huge.html", opts))
    png = r.artifact("screenshot").data
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (MAX_SCREENSHOT_WIDTH, MAX_SCREENSHOT_HEIGHT)
    log = json.loads(r.artifact("log").data)
    assert log["page_height_px"] >= 5_000_000  # the browser's measure, not the page's word
    assert any(f"the first {MAX_SCREENSHOT_HEIGHT}px" in n for n in r.notes), r.notes
    assert any(f"the first {MAX_SCREENSHOT_WIDTH}px" in n for n in r.notes), r.notes
    assert "超大页面" in r.artifact("dom").data.decode()


def test_a_page_that_takes_away_the_timers_is_captured_within_the_settle_budget(
    browser: BrowserThread, site_url: str
) -> None:
    opts = CaptureOptions(
        allow_private_networks=True, attempts=1, settle_timeout_s=1.0, max_scroll_steps=5
    )
    started = time.monotonic()
    r = browser.run(capture_with_retry(browser.pool, f"{site_url}/stall.html", opts))
    elapsed = time.monotonic() - started
    assert elapsed < settle_budget_s(opts) + 15, elapsed
    assert any("kept scrolling and image loading from finishing" in n for n in r.notes), r.notes
    assert "停摆页面" in r.artifact("dom").data.decode()
    assert r.artifact("screenshot").data.startswith(b"\x89PNG")
    assert "FakeBrowser" not in r.environment["user_agent"]
    assert "Chrome/" in r.environment["user_agent"]


def test_dialogs_and_popups_are_dismissed_and_logged(captured: dict[str, CaptureResult]) -> None:
    r = captured["alert"]
    log = json.loads(r.artifact("log").data)
    assert log["dialogs_dismissed"] == ["alert: 加微信 zl123 领取优惠"]
    assert len(log["popups_closed"]) == 1
    assert any("dialog" in n for n in r.notes)


def test_a_missing_page_is_evidence_not_a_failure(captured: dict[str, CaptureResult]) -> None:
    assert captured["gone"].http_status == 404
    assert "页面不存在" in captured["gone"].artifact("dom").data.decode()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_failed_capture_says_why_and_is_retried(browser: BrowserThread) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/x"

    options = CaptureOptions(allow_private_networks=True, attempts=2, retry_delay_s=0.05)
    with pytest.raises(CaptureFailed) as info:
        browser.run(capture_with_retry(browser.pool, url, options))
    assert len(info.value.attempts) == 2
    assert all(isinstance(a, NavigationError) for a in info.value.attempts)
    assert "ERR_CONNECTION_REFUSED" in str(info.value)


def test_server_errors_are_retried_not_recorded(browser: BrowserThread, site_url: str) -> None:
    options = CaptureOptions(allow_private_networks=True, attempts=2, retry_delay_s=0.05)
    result = browser.run(capture_with_retry(browser.pool, f"{site_url}/flaky", options))
    assert result.http_status == 200 and Handler.hits["/flaky"] == 2
    with pytest.raises(CaptureFailed) as info:
        browser.run(capture_with_retry(browser.pool, f"{site_url}/down", options))
    assert [type(a) for a in info.value.attempts] == [ServerError, ServerError]
    assert "HTTP 500" in str(info.value)


def test_private_address_refused_unless_allowed(browser: BrowserThread, site_url: str) -> None:
    options = CaptureOptions(allow_private_networks=False)
    with pytest.raises(CaptureFailed) as info:
        browser.run(capture_with_retry(browser.pool, f"{site_url}/zh.html", options))
    assert len(info.value.attempts) == 1  # not retried
    assert isinstance(info.value.attempts[0], BlockedAddressError)
    assert "non-public address 127.0.0.1" in str(info.value)


def test_capture_urls_records_recaptures_beside_and_failures_apart(
    vault: EvidenceVault, chromium: str, site_url: str
) -> None:
    requests = [
        CaptureRequest(f"{site_url}/zh.html", "listing-7", "run-1"),
        CaptureRequest(f"{site_url}/zh.html", "listing-7", "run-2", reason="recheck"),
        CaptureRequest(f"http://127.0.0.1:{_closed_port()}/", "listing-8"),
    ]
    results = capture_urls(
        requests, vault, chromium, CaptureOptions(allow_private_networks=True, attempts=1)
    )
    first, second, failed = results
    assert isinstance(first, StoredCapture) and isinstance(second, StoredCapture)
    assert isinstance(failed, CaptureFailure) and "ERR_CONNECTION_REFUSED" in failed.reason
    assert first.capture_uid != second.capture_uid
    captures = vault.captures_for_listing("listing-7")
    assert {m.capture_uid for m in captures} == {first.capture_uid, second.capture_uid}
    assert {m.run_ref for m in captures} == {"run-1", "run-2"}
    assert vault.captures_for_listing("listing-8") == []
    assert len(vault.ledger.entries()) == 2  # nothing of the failed capture was stored
    report = vault.verify()
    assert report.ok, report.problems
    assert report.artifacts_checked == 14
