"""The crawl's DNS resolver: the address it checks is the address Scrapy connects to.

:class:`crawler.middlewares.ssrf.PrivateNetworkGuard` refuses a request early
(and counts it), but it resolves the name on its own; Twisted would then
resolve it again to connect, and a name that answers differently the second
time (DNS rebinding) would slip through.  Installed as ``DNS_RESOLVER``, this
resolver is the lookup Twisted connects with: it resolves once through
:func:`evidence.netguard.checked_address`, fails the lookup for a non-public
answer, and keeps the answer for the rest of the crawl (pinned per name).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Self

from scrapy.crawler import Crawler
from twisted.internet import defer
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IResolverSimple
from twisted.internet.threads import deferToThreadPool
from zope.interface import implementer

from evidence import RefusedAddress, checked_address

logger = logging.getLogger(__name__)


@implementer(IResolverSimple)
class GuardedResolver:
    def __init__(self, reactor: Any, allow_private_networks: bool) -> None:
        self.reactor = reactor
        self.allow_private = allow_private_networks
        self.pinned: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: Any) -> Self:
        return cls(reactor, crawler.settings.getbool("LANTIAN_ALLOW_PRIVATE_NETWORKS"))

    def install_on_reactor(self) -> None:
        self.reactor.installResolver(self)

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> defer.Deferred[str]:  # noqa: N802 - Twisted's interface
        key = name.rstrip(".").lower()
        if key in self.pinned:
            return defer.succeed(self.pinned[key])
        d: defer.Deferred[str] = deferToThreadPool(
            self.reactor, self.reactor.getThreadPool(), self._resolve, key
        )
        return d

    def _resolve(self, name: str) -> str:
        try:
            address = checked_address(name, None, self.allow_private)
        except RefusedAddress as exc:
            logger.warning("refused to connect: %s", exc)
            raise DNSLookupError(str(exc)) from exc
        self.pinned.setdefault(name, address)
        return self.pinned[name]
