"""Keep crawls off private networks: a hostile page must not make us fetch the intranet."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request
from scrapy.statscollectors import StatsCollector
from scrapy.utils.httpobj import urlparse_cached

from evidence import is_public_ip, resolve_host

logger = logging.getLogger(__name__)


class BlockedAddress(IgnoreRequest):
    """The request's host resolves to a private, loopback or otherwise non-public address."""


async def resolve(host: str) -> list[str]:
    """Every address ``host`` resolves to (a literal IP resolves to itself), off the loop."""
    return await asyncio.get_running_loop().run_in_executor(None, resolve_host, host, None)


class PrivateNetworkGuard:
    """Downloader middleware: drop requests whose host is not on the public internet.

    This is the early, counted refusal; the connection itself is guarded by
    :class:`crawler.resolver.GuardedResolver`, which checks the answer Twisted
    connects with (a name answering differently the second time cannot slip past).

    Every address the name resolves to must be public (one private answer is
    enough to refuse).  Off when ``LANTIAN_ALLOW_PRIVATE_NETWORKS`` is true, as
    the sandbox and the tests need.  Redirects pass through here again, since
    Scrapy schedules them as new requests.
    """

    def __init__(self, allow_private: bool, stats: StatsCollector | None = None) -> None:
        self.allow_private = allow_private
        self.stats = stats
        self._verdicts: dict[str, str | None] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.settings.getbool("LANTIAN_ALLOW_PRIVATE_NETWORKS"), crawler.stats)

    async def check(self, host: str) -> str | None:
        """``None`` if ``host`` may be fetched, else why not."""
        if host not in self._verdicts:
            try:
                addresses = await resolve(host)
            except OSError:
                return None  # unresolvable: the download itself reports the DNS error
            private = [a for a in addresses if not is_public_ip(a)]
            self._verdicts[host] = (
                f"{host} resolves to non-public {private[0]}" if private else None
            )
        return self._verdicts[host]

    async def process_request(self, request: Request) -> Any:
        if self.allow_private:
            return None
        host = urlparse_cached(request).hostname or ""
        reason = await self.check(host.lower())
        if reason:
            if self.stats is not None:
                self.stats.inc_value("lantian/blocked_private")
            logger.warning("refused %s: %s", request.url, reason)
            raise BlockedAddress(reason)
        return None
