"""Private-network guard and JOBDIR state handling, with real requests and directories."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from scrapy.http import Request

from crawler.extensions.resume import MARKER, prepare_jobdir
from crawler.middlewares.ssrf import BlockedAddress, PrivateNetworkGuard


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/x", "http://localhost/", "http://[::1]/", "http://10.0.0.8/"]
)
def test_private_hosts_refused_unless_allowed(url: str) -> None:
    with pytest.raises(BlockedAddress):
        asyncio.run(PrivateNetworkGuard(allow_private=False).process_request(Request(url)))
    assert (
        asyncio.run(PrivateNetworkGuard(allow_private=True).process_request(Request(url))) is None
    )


def test_public_literal_address_passes() -> None:
    assert (
        asyncio.run(
            PrivateNetworkGuard(allow_private=False).process_request(Request("http://8.8.8.8/"))
        )
        is None
    )


def test_jobdir_resumes_only_after_a_graceful_stop(tmp_path: Path) -> None:
    job = tmp_path / "job"
    assert prepare_jobdir(job) == "fresh"
    (job / "requests.seen").write_text("abc\n")
    (job / MARKER).write_text("stopped")
    assert prepare_jobdir(job) == "resume"
    assert (job / "requests.seen").exists()
    # Still "running": the process was killed hard; the saved queue cannot be trusted.
    assert prepare_jobdir(job) == "restart-after-hard-kill"
    assert not (job / "requests.seen").exists()
    (job / "requests.seen").write_text("abc\n")
    (job / MARKER).write_text("finished")
    assert prepare_jobdir(job) == "fresh"
    assert not (job / "requests.seen").exists()


def test_profile_cookies_proxy_and_headers(tmp_path: Path) -> None:
    from crawler.middlewares.session import ProfileSessionMiddleware, load_cookies
    from spiders.profile import SessionSpec

    netscape = tmp_path / "cookies.txt"
    netscape.write_text(
        "# Netscape HTTP Cookie File\n.taobao.com\tTRUE\t/\tFALSE\t0\tcookie2\tsecret-value\n",
        encoding="utf-8",
    )
    assert load_cookies(netscape) == [
        {"name": "cookie2", "value": "secret-value", "domain": ".taobao.com", "path": "/"}
    ]
    as_json = tmp_path / "cookies.json"
    as_json.write_text('[{"name": "t", "value": "v", "domain": "jd.com"}]', encoding="utf-8")
    assert load_cookies(as_json)[0]["name"] == "t"

    mw = ProfileSessionMiddleware(
        SessionSpec(
            cookies_file=netscape,
            proxy="http://u:p@proxy.example:3128",
            headers={"Referer": "https://www.taobao.com/"},
        )
    )
    mine, other = Request("https://s.taobao.com/search?q=x"), Request("https://example.cn/")
    mw.process_request(mine)
    mw.process_request(other)
    assert mine.cookies == [
        {"name": "cookie2", "value": "secret-value", "domain": "s.taobao.com", "path": "/"}
    ]
    assert not other.cookies
    assert mine.meta["proxy"] == "http://u:p@proxy.example:3128"
    assert mine.headers[b"Referer"] == b"https://www.taobao.com/"
    assert "secret-value" not in repr(mine)


def test_binary_and_oversized_responses_are_skipped_and_counted() -> None:
    from scrapy.http import HtmlResponse, Response
    from scrapy.statscollectors import MemoryStatsCollector
    from scrapy.utils.test import get_crawler

    from crawler.middlewares.guard import ResponseGuard, SkippedResponse

    stats = MemoryStatsCollector(get_crawler())
    guard = ResponseGuard(max_bytes=2048, stats=stats)
    request = Request("http://shop.example/item/1")
    page = HtmlResponse(
        request.url, body="<p>专利</p>".encode(), headers={"Content-Type": "text/html"}
    )
    assert guard.process_response(request, page) is page
    with pytest.raises(SkippedResponse, match="binary"):
        guard.process_response(
            request,
            Response(request.url, body=b"%PDF-1.7", headers={"Content-Type": "application/pdf"}),
        )
    with pytest.raises(SkippedResponse, match="oversize"):
        guard.process_response(request, HtmlResponse(request.url, body=b"<p>" + b"x" * 4096))
    assert stats.get_value("lantian/skipped_binary") == 1
    assert stats.get_value("lantian/skipped_oversize") == 1
