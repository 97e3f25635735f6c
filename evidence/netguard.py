"""Keep captures of hostile URLs off private, loopback and link-local addresses.

A page's URL comes from a crawled listing, so it is hostile: unless the
deployment allows private networks (the sandbox does), the browser may not
load anything whose host resolves to a non-public address.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

ALLOWED_SCHEMES = frozenset({"http", "https"})


def is_public_ip(text: str) -> bool:
    try:
        ip = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class AddressGuard:
    """Answers "may the browser fetch this URL?", caching DNS answers per host."""

    def __init__(self, allow_private_networks: bool) -> None:
        self.allow_private = allow_private_networks
        self._cache: dict[str, str | None] = {}

    async def refusal(self, url: str) -> str | None:
        """``None`` when allowed, else the reason the URL is refused."""
        parts = urlsplit(url)
        if parts.scheme in {"data", "blob", "about"}:
            return None
        if parts.scheme not in ALLOWED_SCHEMES:
            return f"scheme {parts.scheme!r} is not http(s)"
        if self.allow_private:
            return None
        host = (parts.hostname or "").rstrip(".").lower()
        if not host:
            return "URL has no host"
        if host not in self._cache:
            self._cache[host] = await self._resolve_refusal(host)
        return self._cache[host]

    async def _resolve_refusal(self, host: str) -> str | None:
        if host == "localhost" or host.endswith(".localhost"):
            return f"{host} is loopback"
        try:
            ipaddress.ip_address(host)
            addresses = [host]
        except ValueError:
            loop = asyncio.get_running_loop()
            try:
                infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
            except socket.gaierror as exc:
                return f"{host} does not resolve: {exc}"
            addresses = [str(info[4][0]) for info in infos]
        for address in addresses:
            if not is_public_ip(address):
                return f"{host} resolves to non-public address {address}"
        return None
