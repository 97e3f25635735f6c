"""One reusable headless Chromium, a fresh context (profile) per capture, bounded pages.

The system Chromium is driven through Playwright's async API.  Each capture
gets ``new_context()``: an empty, in-memory profile (no cookies, cache or
storage from earlier captures), closed after use.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
import shutil
import subprocess
from collections.abc import AsyncIterator
from importlib import metadata
from pathlib import Path
from types import TracebackType

from playwright.async_api import Browser, BrowserContext, Playwright, async_playwright
from playwright.async_api import Error as PlaywrightError

from evidence.errors import EvidenceError

CHROMIUM_ARGS = (
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # WebRTC may only use the (guarding) proxy: no direct UDP to any address
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
)
VIEWPORT = {"width": 1280, "height": 900}
SANDBOX_PROBE_TIMEOUT_S = 45.0
_LOG_PREFIX = re.compile(r"^\[[^\]]*\]\s*")  # Chromium's "[pid:tid:time:LEVEL:file] "

log = logging.getLogger(__name__)


def sandbox_probe_command(executable: str) -> list[str]:
    """Chromium headless, sandbox on (no ``--no-sandbox``), printing an empty page's DOM."""
    return [
        executable,
        "--headless=new",
        *CHROMIUM_ARGS,
        "--disable-dev-shm-usage",
        "--dump-dom",
        "about:blank",
    ]


@functools.lru_cache(maxsize=8)
def sandbox_refusal(chromium_path: str | None) -> str | None:
    """Why Chromium cannot run with its sandbox here, or None when it can.

    Starts it once headless *without* ``--no-sandbox``; it refuses when run as
    root, or when the kernel denies unprivileged user namespaces and no setuid
    sandbox helper is installed.  Cached per executable for the process.
    """
    executable = chromium_path or shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        return "no system Chromium to probe (Playwright's bundled one is started without sandbox)"
    command = sandbox_probe_command(executable)
    try:
        done = subprocess.run(
            command, capture_output=True, timeout=SANDBOX_PROBE_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{executable} did not start with its sandbox: {exc}"
    if done.returncode == 0 and b"<html" in done.stdout:
        return None
    lines = (
        [
            line
            for line in done.stderr.decode("utf-8", "replace").splitlines()
            if "sandbox" in line.lower() or "root" in line.lower()
        ]
        or done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        or ["no output"]
    )
    reason = _LOG_PREFIX.sub("", lines[0].strip())[:300]
    return f"{executable} exited {done.returncode} with its sandbox on: {reason}"


class BrowserLaunchError(EvidenceError):
    """Chromium could not be started; the message says which executable and why."""


class BrowserPool:
    """``async with BrowserPool(path) as pool: async with pool.context() as ctx: ...``"""

    def __init__(
        self, chromium_path: str | None, max_pages: int = 2, locale: str = "zh-CN"
    ) -> None:
        self.chromium_path = chromium_path
        self.max_pages = max_pages
        self.locale = locale
        self._semaphore = asyncio.Semaphore(max_pages)
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self.sandboxed = False
        self.sandbox_problem: str | None = None

    async def start(self) -> BrowserPool:
        """Launch Chromium with its sandbox where this machine allows it, else without (logged)."""
        loop = asyncio.get_running_loop()
        self.sandbox_problem = await loop.run_in_executor(None, sandbox_refusal, self.chromium_path)
        self.sandboxed = self.sandbox_problem is None
        if not self.sandboxed:
            log.warning("capture browser runs without its sandbox: %s", self.sandbox_problem)
        self._playwright = await async_playwright().start()
        try:
            self._browser = await self._playwright.chromium.launch(
                executable_path=self.chromium_path,
                headless=True,
                args=list(CHROMIUM_ARGS),
                chromium_sandbox=self.sandboxed,
            )
        except PlaywrightError as exc:
            await self._playwright.stop()
            self._playwright = None
            where = self.chromium_path or "Playwright's bundled Chromium"
            raise BrowserLaunchError(
                f"could not launch {where}: {exc.message.splitlines()[0]}"
            ) from exc
        return self

    async def close(self) -> None:
        if self._browser is not None:
            with contextlib.suppress(PlaywrightError):
                await self._browser.close()
            self._browser = None
        if self._playwright is not None:
            await self._playwright.stop()
            self._playwright = None

    async def __aenter__(self) -> BrowserPool:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def browser(self) -> Browser:
        if self._browser is None:
            raise BrowserLaunchError("the browser pool is not started")
        return self._browser

    @property
    def product(self) -> str:
        return browser_product(self.chromium_path)

    @property
    def browser_version(self) -> str:
        return self.browser.version

    @contextlib.asynccontextmanager
    async def context(self, proxy: str | None = None) -> AsyncIterator[BrowserContext]:
        """A fresh profile, limited to ``max_pages`` at once across the pool.

        ``proxy`` (e.g. an :class:`evidence.egress.EgressProxy`'s ``server``)
        carries every connection of the context, loopback included.
        """
        async with self._semaphore:
            ctx = await self.new_context(proxy)
            try:
                yield ctx
            finally:
                with contextlib.suppress(PlaywrightError):
                    await ctx.close()

    async def new_context(self, proxy: str | None = None) -> BrowserContext:
        """A fresh, empty profile outside the page limit: the caller bounds and closes it
        (:class:`evidence.slots.WarmPool` keeps its own bound)."""
        return await self.browser.new_context(
            viewport=VIEWPORT,  # type: ignore[arg-type]
            locale=self.locale,
            timezone_id="UTC",
            service_workers="block",
            accept_downloads=False,
            proxy={"server": proxy} if proxy else None,
        )


def browser_product(executable: str | None) -> str:
    """What a manifest names as the browser: Chromium's headless shell, or Chromium in headless mode.

    The headless shell (Debian's ``chromium-headless-shell``) is the same engine without the
    desktop browser around it: it renders and captures the same page for less CPU.
    """
    if executable is None:
        return "Chromium (Playwright's download, headless)"
    if "headless-shell" in Path(executable).name or "headless_shell" in Path(executable).name:
        return "Chromium headless shell"
    return "Chromium (headless)"


def playwright_version() -> str:
    try:
        return metadata.version("playwright")
    except metadata.PackageNotFoundError:
        return "unknown"
