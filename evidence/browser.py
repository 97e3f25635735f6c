"""One reusable headless Chromium, a fresh context (profile) per capture, bounded pages.

The system Chromium is driven through Playwright's async API.  Each capture
gets ``new_context()``: an empty, in-memory profile (no cookies, cache or
storage from earlier captures), closed after use.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from importlib import metadata
from types import TracebackType

from playwright.async_api import Browser, BrowserContext, Playwright, async_playwright
from playwright.async_api import Error as PlaywrightError

from evidence.errors import EvidenceError

CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # WebRTC may only use the (guarding) proxy: no direct UDP to any address
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
)
VIEWPORT = {"width": 1280, "height": 900}


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

    async def start(self) -> BrowserPool:
        self._playwright = await async_playwright().start()
        try:
            self._browser = await self._playwright.chromium.launch(
                executable_path=self.chromium_path, headless=True, args=list(CHROMIUM_ARGS)
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
    def browser_version(self) -> str:
        return self.browser.version

    @contextlib.asynccontextmanager
    async def context(self, proxy: str | None = None) -> AsyncIterator[BrowserContext]:
        """A fresh profile, limited to ``max_pages`` at once across the pool.

        ``proxy`` (e.g. an :class:`evidence.egress.EgressProxy`'s ``server``)
        carries every connection of the context, loopback included.
        """
        async with self._semaphore:
            ctx = await self.browser.new_context(
                viewport=VIEWPORT,  # type: ignore[arg-type]
                locale=self.locale,
                timezone_id="UTC",
                service_workers="block",
                accept_downloads=False,
                proxy={"server": proxy} if proxy else None,
            )
            try:
                yield ctx
            finally:
                with contextlib.suppress(PlaywrightError):
                    await ctx.close()


def playwright_version() -> str:
    try:
        return metadata.version("playwright")
    except metadata.PackageNotFoundError:
        return "unknown"
