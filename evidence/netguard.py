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

# IPv6 ranges whose last 32 bits are an IPv4 address the packet ends up at
_LOW32_EMBEDDING = (
    ipaddress.IPv6Network("::/96"),  # IPv4-compatible (deprecated), also :: and ::1
    ipaddress.IPv6Network("::ffff:0:0:0/96"),  # IPv4-translated (SIIT, RFC 6052/7915)
    ipaddress.IPv6Network("64:ff9b::/96"),  # NAT64 well-known prefix (RFC 6052)
    ipaddress.IPv6Network("64:ff9b:1::/48"),  # NAT64 local-use prefix (RFC 8215)
)


def embedded_ipv4(ip: ipaddress.IPv6Address) -> tuple[ipaddress.IPv4Address, ...]:
    """The IPv4 addresses an IPv6 address carries (mapped, compatible, SIIT, NAT64, 6to4, Teredo).

    Such an address reaches the IPv4 host inside it (through the kernel, a
    translator or a relay), so it is only as public as that host.
    """
    if ip.ipv4_mapped is not None:
        return (ip.ipv4_mapped,)
    if any(ip in net for net in _LOW32_EMBEDDING):
        return (ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF),)
    if ip.sixtofour is not None:
        return (ip.sixtofour,)
    if ip.teredo is not None:
        return ip.teredo  # (server, client)
    return ()


def is_public_ip(text: str) -> bool:
    """True for a globally routable unicast address: the one predicate every guard uses."""
    try:
        ip = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        inner = embedded_ipv4(ip)
        if inner:
            return all(_public(v4) for v4 in inner)
    return _public(ip)


def _public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
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
