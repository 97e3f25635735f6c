"""The crawl's browser under the captures' launch policy and behind their egress proxy.

scrapy-playwright renders the pages a profile marks ``render: browser``.  A rendered
page runs the site's JavaScript, so it gets what a capture's page gets:

- Chromium with its sandbox wherever this machine allows it (the same probe,
  :func:`evidence.browser.sandbox_refusal`, that ``lantian doctor`` reports), the
  captures' switches, never ``--no-sandbox`` by configuration;
- every connection through an :class:`evidence.egress.EgressProxy` on loopback
  (a browser-wide SOCKS5 proxy, loopback proxied too), which resolves each host once,
  refuses non-public answers unless the crawl allows private networks, and connects
  to the address it checked: ``fetch``, iframes, WebSocket and any other request
  type alike, since the check is on the TCP connection, not per API.

Settings: ``LANTIAN_BROWSER_EGRESS`` = ``{"allow_private_networks": bool,
"allowed_origins": ["host:port", ...]}`` (``crawler.settings.browser_settings`` fills it
from the run).  Scrapy makes one handler per scheme (http, https); each has its own
provider, proxy and (once used) browser.  Stats: ``lantian/browser/sandboxed`` (0/1) and
``lantian/browser/egress_refused`` (connections the proxy refused).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from playwright.async_api import Browser
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.http import Request, Response
from scrapy_playwright.handler import Config, ScrapyPlaywrightDownloadHandler
from scrapy_playwright.provider import PlaywrightBrowserProvider

from evidence import EgressPolicy, EgressProxy, sandbox_refusal

logger = logging.getLogger(__name__)


def egress_policy(value: dict[str, Any] | None) -> EgressPolicy:
    value = value or {}
    return EgressPolicy(
        allow_private_networks=bool(value.get("allow_private_networks", False)),
        allowed_origins=frozenset(str(o) for o in value.get("allowed_origins", ())),
    )


class GuardedBrowserProvider(PlaywrightBrowserProvider):  # type: ignore[misc]  # untyped package
    """Launches Chromium sandboxed where possible, its traffic through the egress proxy."""

    def __init__(self, config: Config, policy: EgressPolicy) -> None:
        super().__init__(config)
        self.policy = policy
        self.proxy: EgressProxy | None = None
        self.sandboxed: bool | None = None
        """None until the browser is launched."""

    async def start(self) -> None:
        self.proxy = await EgressProxy(self.policy).start()
        await super().start()

    async def launch_browser(self) -> Browser:
        if self.browser_type is None or self.proxy is None:
            raise RuntimeError("start() must be awaited before launch_browser()")
        options = dict(self.config.launch_options)
        loop = asyncio.get_running_loop()
        problem = await loop.run_in_executor(None, sandbox_refusal, options.get("executable_path"))
        if problem is not None:
            logger.warning("crawl browser runs without its sandbox: %s", problem)
        self.sandboxed = problem is None
        options["args"] = [a for a in options.get("args", []) if a != "--no-sandbox"]
        options["chromium_sandbox"] = self.sandboxed
        options["proxy"] = {"server": self.proxy.server}
        browser: Browser = await self.browser_type.launch(**options)
        logger.info(
            "crawl browser launched (sandbox %s), egress through %s",
            "on" if self.sandboxed else "off",
            self.proxy.server,
        )
        return browser

    async def close(self) -> None:
        await super().close()
        if self.proxy is not None:
            for refused in self.proxy.blocked:
                logger.warning("crawl browser egress refused %s", refused)
            await self.proxy.close()


class GuardedPlaywrightHandler(ScrapyPlaywrightDownloadHandler):  # type: ignore[misc]  # untyped
    """scrapy-playwright's download handler with :class:`GuardedBrowserProvider`."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        policy = egress_policy(crawler.settings.getdict("LANTIAN_BROWSER_EGRESS"))
        self.guarded_provider: GuardedBrowserProvider | None = None

        def provider(config: Config) -> GuardedBrowserProvider:
            self.guarded_provider = GuardedBrowserProvider(config, policy)
            return self.guarded_provider

        self.browser_provider_cls = provider
        self._launched: asyncio.Future[None] | None = None

    async def _maybe_launch_in_thread(self) -> None:
        """At engine start scrapy-playwright awaits Playwright's driver (a Node process), and the
        engine waits with it: no page of the platform, rendered or not, is fetched until it is
        up, and the handler of the scheme no request uses starts a driver too.  Here the
        driver starts with the first rendered request of this handler's scheme instead."""

    async def _engine_started(self) -> None:  # the same hook before Scrapy 2.14
        await self._maybe_launch_in_thread()

    async def _download_request(self, request: Request, spider: Spider | None = None) -> Response:
        if self._launched is None:
            self._launched = asyncio.ensure_future(self._launch())
        await asyncio.shield(self._launched)  # every request of the first burst waits for it
        response: Response = await super()._download_request(request, spider)
        return response

    async def _close(self) -> None:
        if self._launched is not None and not self._launched.done():
            await asyncio.gather(self._launched, return_exceptions=True)
        found = self.guarded_provider
        if found is not None:
            if found.sandboxed is not None:
                self.stats.set_value("lantian/browser/sandboxed", int(found.sandboxed))
            if found.proxy is not None:  # one handler per scheme, each with its own proxy
                self.stats.inc_value("lantian/browser/egress_refused", len(found.proxy.blocked))
        await super()._close()
