"""``lantian bench capture``: captures per minute with one reused browser vs a new browser per page.

Both arms capture the same pages in the same run, sequentially (one page at a
time, so the figure isolates the cost of starting Chromium), each capture
recorded into a throw-away vault (hashing, signing and the ledger included).
Without URLs, a loopback server serves generated Chinese listing pages.
"""

from __future__ import annotations

import asyncio
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from evidence.browser import BrowserPool
from evidence.capture import CaptureOptions, capture_with_retry
from evidence.vault import EvidenceVault

_LINES = (
    "专业代理发明专利、实用新型，包授权，不成功全额退款。",
    "职称评审专利转让，可加发明人，当天变更，微信同号。",
    "商标注册百分之百成功，担保注册，失败退款。",
    "国知局内部渠道，审查意见轻松通过，VIP通道加急。",
    "本所为国家知识产权局批准的专利代理机构，不承诺授权结果。",
)


def _page(n: int) -> bytes:
    rows = "".join(
        f"<p>{_LINES[(n + i) % len(_LINES)]}（第{n}号商品，第{i}段）</p>" for i in range(30)
    )
    return (
        f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>商品 {n}</title></head>'
        f'<body style="font-size:18px"><h1>商品 {n}：专利代理服务</h1>{rows}</body></html>'
    ).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_GET(self) -> None:
        try:
            n = int(self.path.strip("/").removeprefix("item/") or "0")
        except ValueError:
            n = 0
        body = _page(n)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def local_site() -> Iterator[str]:
    """A loopback server of generated Chinese listing pages; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@dataclass(frozen=True)
class ArmResult:
    name: str
    captures: int
    failures: int
    seconds: float
    bytes_total: int

    @property
    def per_minute(self) -> float:
        return self.captures * 60.0 / self.seconds if self.seconds > 0 else 0.0

    @property
    def bytes_per_capture(self) -> float:
        return self.bytes_total / self.captures if self.captures else 0.0


@dataclass(frozen=True)
class CaptureBench:
    reuse: ArmResult
    fresh: ArmResult
    urls: int

    @property
    def ratio(self) -> float:
        """How many times faster browser reuse is than a new browser per page."""
        return (
            self.reuse.per_minute / self.fresh.per_minute if self.fresh.per_minute else float("inf")
        )


async def _arm_reuse(
    urls: list[str], vault: EvidenceVault, chromium: str | None, opts: CaptureOptions
) -> ArmResult:
    ok = failed = size = 0
    start = time.perf_counter()
    async with BrowserPool(chromium, max_pages=1) as pool:
        for url in urls:
            try:
                result = await capture_with_retry(pool, url, opts)
            except Exception:  # noqa: BLE001 - a bench counts failures, it does not stop
                failed += 1
                continue
            vault.record(result, f"bench:{url}", None, "bench")
            ok += 1
            size += result.total_bytes
    return ArmResult("one browser, reused", ok, failed, time.perf_counter() - start, size)


async def _arm_fresh(
    urls: list[str], vault: EvidenceVault, chromium: str | None, opts: CaptureOptions
) -> ArmResult:
    ok = failed = size = 0
    start = time.perf_counter()
    for url in urls:
        async with BrowserPool(chromium, max_pages=1) as pool:
            try:
                result = await capture_with_retry(pool, url, opts)
            except Exception:  # noqa: BLE001
                failed += 1
                continue
            vault.record(result, f"bench:{url}", None, "bench")
            ok += 1
            size += result.total_bytes
    return ArmResult("new browser per page", ok, failed, time.perf_counter() - start, size)


def run_capture_bench(
    chromium_path: str | None,
    pages: int = 10,
    urls: list[str] | None = None,
    allow_private_networks: bool = True,
) -> CaptureBench:
    """Measure both arms over the same pages; a warm-up capture runs first and is not counted."""
    opts = CaptureOptions(attempts=1, allow_private_networks=allow_private_networks)

    async def run(targets: list[str]) -> CaptureBench:
        with tempfile.TemporaryDirectory(prefix="lantian-bench-") as tmp:
            vault = EvidenceVault(Path(tmp) / "evidence", Path(tmp) / "keys", "bench")
            async with BrowserPool(chromium_path, max_pages=1) as warm:
                await capture_with_retry(warm, targets[0], opts)
            reuse = await _arm_reuse(targets, vault, chromium_path, opts)
            fresh = await _arm_fresh(targets, vault, chromium_path, opts)
        return CaptureBench(reuse, fresh, len(targets))

    if urls:
        return asyncio.run(run(list(urls)))
    with local_site() as base:
        return asyncio.run(run([f"{base}/item/{n}" for n in range(pages)]))
