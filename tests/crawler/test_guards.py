"""Private-network guard and JOBDIR state handling, with real requests and directories."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

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
    # Still "running": the process was killed hard; Scrapy's own queue cannot be trusted...
    assert prepare_jobdir(job) == "restart-after-hard-kill"
    assert not (job / "requests.seen").exists()
    # ... but the durable frontier, written as the crawl goes, can
    (job / "frontier.sqlite").write_bytes(b"")
    assert prepare_jobdir(job) == "resume-after-hard-kill"
    assert (job / "frontier.sqlite").exists()
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


REBINDING_CRAWL = r"""
import json, socket, sys
from scrapy import Spider
from scrapy.crawler import CrawlerProcess
from crawler.settings import BASE

port, out = int(sys.argv[1]), sys.argv[2]
answers = []
real_getaddrinfo, real_gethostbyname = socket.getaddrinfo, socket.gethostbyname

def answer(host):
    answers.append("93.184.216.34" if not answers else "127.0.0.1")
    return answers[-1]

def getaddrinfo(host, *args, **kwargs):
    if host != "rebind.example":
        return real_getaddrinfo(host, *args, **kwargs)
    return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answer(host), port))]

def gethostbyname(host):
    return answer(host) if host == "rebind.example" else real_gethostbyname(host)

socket.getaddrinfo, socket.gethostbyname = getaddrinfo, gethostbyname
errors = []

class Once(Spider):
    name = "once"
    async def start(self):
        from scrapy import Request
        yield Request(f"http://rebind.example:{port}/", errback=self.failed, dont_filter=True)
    def parse(self, response):
        errors.append(f"fetched {response.status}")
    def failed(self, failure):
        errors.append(repr(failure.value))

settings = {k: v for k, v in BASE.items() if k not in ("ITEM_PIPELINES", "EXTENSIONS")}
settings.update(ROBOTSTXT_OBEY=False, RETRY_TIMES=0, LOG_LEVEL="WARNING", DOWNLOAD_TIMEOUT=5,
                LANTIAN_ALLOW_PRIVATE_NETWORKS=False)
process = CrawlerProcess(settings)
process.crawl(Once)
process.start()
json.dump({"answers": answers, "errors": errors}, open(out, "w"))
"""


def test_dns_rebinding_cannot_switch_a_crawl_to_a_private_address(
    tmp_path: Path, connection_counter: Any
) -> None:
    """The name answers public to the guard's lookup, loopback after: nothing reaches loopback."""
    import json
    import subprocess
    import sys

    script, out = tmp_path / "crawl.py", tmp_path / "out.json"
    script.write_text(REBINDING_CRAWL)
    proc = subprocess.run(
        [sys.executable, str(script), str(connection_counter.port), str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["answers"][:2] == ["93.184.216.34", "127.0.0.1"], result
    assert connection_counter.accepted == 0, result
    assert any("DNS lookup failed" in e for e in result["errors"]), result
    assert "rebind.example resolves to non-public address 127.0.0.1" in proc.stderr
