"""``lantian bench capture``: captures per minute at N at once against one at a time.

Every level captures the same pages in the same run, through a warm pool of N
browser profiles (``reused`` and wiped between captures, or ``fresh`` for each),
each capture recorded into a throw-away vault (hashing, signing and the ledger
included) that is verified afterwards: a figure counts only complete captures
that verify.  Beside the wall-clock rate, the CPU seconds per capture of this
process and Chromium's (the figure a busy machine distorts least).  Without
URLs, a loopback server serves generated Chinese listing pages.
"""

from __future__ import annotations

import asyncio
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from evidence.browser import BrowserPool
from evidence.capture import CaptureOptions, capture_with_retry
from evidence.errors import EvidenceError
from evidence.isolation import Isolation
from evidence.proc_cpu import tree_cpu_seconds
from evidence.slots import WarmPool
from evidence.vault import EvidenceVault, StoredCapture

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


#: Every complete capture stores these artifacts.
COMPLETE = frozenset({"screenshot", "dom", "body", "mhtml", "headers", "warc", "log"})


@dataclass(frozen=True)
class LevelResult:
    """One concurrency level: every page captured and recorded, then the vault verified."""

    concurrency: int
    captures: int
    failures: int
    seconds: float
    bytes_total: int
    verified: int
    """Captures that are complete (all seven artifacts) and that ``verify`` found intact."""
    problems: tuple[str, ...]
    steps_ms: dict[str, float]
    """Mean milliseconds per step over the captures."""
    cpu_s: float | None = None
    """CPU seconds of this process and Chromium while the level ran (None without /proc)."""
    profiles: int = 0
    """Browser profiles opened for the level (``reused``: about one per slot)."""

    @property
    def per_minute(self) -> float:
        return self.captures * 60.0 / self.seconds if self.seconds > 0 else 0.0

    @property
    def cpu_ms_per_capture(self) -> float | None:
        if self.cpu_s is None or not self.captures:
            return None
        return self.cpu_s * 1000.0 / self.captures

    @property
    def bytes_per_capture(self) -> float:
        return self.bytes_total / self.captures if self.captures else 0.0


@dataclass(frozen=True)
class CaptureBench:
    levels: tuple[LevelResult, ...]
    urls: int
    isolation: Isolation = "reused"

    @property
    def baseline(self) -> LevelResult:
        return self.levels[0]

    @property
    def best(self) -> LevelResult:
        return max(self.levels, key=lambda r: r.per_minute)

    def ratio(self, level: LevelResult) -> float:
        """Captures per minute at ``level`` against one at a time, same run."""
        base = self.baseline.per_minute
        return level.per_minute / base if base else float("inf")

    @property
    def all_verified(self) -> bool:
        return all(r.verified == r.captures and not r.problems for r in self.levels)


def _mean_steps(stored: list[StoredCapture]) -> dict[str, float]:
    sums: dict[str, float] = {}
    for capture in stored:
        for step, ms in capture.timings_ms.items():
            sums[step] = sums.get(step, 0.0) + ms
    return {k: round(v / len(stored), 1) for k, v in sums.items()} if stored else {}


def _verified(vault: EvidenceVault, stored: list[StoredCapture]) -> tuple[int, tuple[str, ...]]:
    report = vault.verify()
    bad = report.failed_captures
    complete = [
        s for s in stored if {a.kind for a in s.artifacts} >= COMPLETE and s.capture_uid not in bad
    ]
    return len(complete), tuple(f"{p.subject}: {p.how}" for p in report.problems)


async def _level(
    browser: BrowserPool,
    urls: list[str],
    level: int,
    opts: CaptureOptions,
    tmp: Path,
    isolation: Isolation,
) -> LevelResult:
    vault = EvidenceVault(tmp / f"c{level}" / "evidence", tmp / "keys", "bench")
    stored: list[StoredCapture] = []
    failed = 0
    async with WarmPool(browser, opts, level, isolation) as warm:
        while warm.ready < warm.profiles:  # time captures, not opening the pool's profiles
            await asyncio.sleep(0.02)

        async def one(url: str) -> None:
            nonlocal failed
            try:
                result = await capture_with_retry(warm, url, opts)
            except EvidenceError:
                failed += 1
                return
            stored.append(
                await asyncio.to_thread(vault.record, result, f"bench:{url}", None, "bench")
            )

        start, cpu_start = time.perf_counter(), tree_cpu_seconds()
        await asyncio.gather(*(one(u) for u in urls))
        seconds, cpu_end = time.perf_counter() - start, tree_cpu_seconds()
        profiles = warm.opened
    size = sum(a.size for s in stored for a in s.artifacts)
    verified, problems = await asyncio.to_thread(_verified, vault, stored)
    cpu = cpu_end - cpu_start if cpu_start is not None and cpu_end is not None else None
    return LevelResult(
        level,
        len(stored),
        failed,
        seconds,
        size,
        verified,
        problems,
        _mean_steps(stored),
        cpu,
        profiles,
    )


def run_capture_bench(
    chromium_path: str | None,
    levels: Sequence[int] = (1, 2, 4),
    pages: int = 24,
    urls: list[str] | None = None,
    allow_private_networks: bool = True,
    isolation: Isolation = "reused",
) -> CaptureBench:
    """Captures per minute at each concurrency level, one at a time first (the baseline).

    One browser serves every level (started and warmed up before timing); each
    level gets its own warm pool and vault, verified afterwards.
    """
    opts = CaptureOptions(attempts=1, allow_private_networks=allow_private_networks)
    order = [1, *sorted({n for n in levels if n > 1})]

    async def run(targets: list[str]) -> CaptureBench:
        with tempfile.TemporaryDirectory(prefix="lantian-bench-") as tmp:
            async with BrowserPool(chromium_path, max_pages=max(order)) as browser:
                await capture_with_retry(browser, targets[0], opts)
                results = [
                    await _level(browser, targets, n, opts, Path(tmp), isolation) for n in order
                ]
        return CaptureBench(tuple(results), len(targets), isolation)

    if urls:
        return asyncio.run(run(list(urls)))
    with local_site() as base:
        return asyncio.run(run([f"{base}/item/{n}" for n in range(pages)]))
