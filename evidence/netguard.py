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


class RefusedAddress(Exception):
    """A host may not be connected to: it resolves to a non-public address, or not at all."""


def resolve_host(host: str, port: int | None = None) -> list[str]:
    """Every address ``host`` resolves to, in the resolver's order (a literal IP is itself).

    The one DNS lookup behind every guard: what it answers is checked and then
    connected to, never looked up a second time.
    """
    literal = host.strip("[]")
    try:
        ipaddress.ip_address(literal.split("%", 1)[0])
        return [literal]
    except ValueError:
        pass
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def checked_address(host: str, port: int | None, allow_private_networks: bool) -> str:
    """Resolve ``host`` once and return the address to connect to (resolve-then-pin).

    Unless private networks are allowed, every address the name resolves to
    must be public (one private answer is enough to refuse); the caller then
    connects to the returned address, so a second, rebound answer cannot switch it.
    """
    host = host.rstrip(".").lower()
    if not allow_private_networks and (host == "localhost" or host.endswith(".localhost")):
        raise RefusedAddress(f"{host} is loopback")
    try:
        addresses = resolve_host(host, port)
    except (socket.gaierror, UnicodeError) as exc:
        raise RefusedAddress(f"{host} does not resolve: {exc}") from exc
    if not addresses:
        raise RefusedAddress(f"{host} does not resolve")
    if not allow_private_networks:
        for address in addresses:
            if not is_public_ip(address):
                raise RefusedAddress(f"{host} resolves to non-public address {address}")
    return addresses[0]


async def checked_address_async(host: str, port: int | None, allow_private_networks: bool) -> str:
    """:func:`checked_address` off the event loop (DNS blocks)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, checked_address, host, port, allow_private_networks)


class AddressGuard:
    """Answers "may the browser fetch this URL?", caching DNS answers per host."""

    def __init__(
        self, allow_private_networks: bool, allowed_origins: frozenset[str] = frozenset()
    ) -> None:
        self.allow_private = allow_private_networks
        self.allowed_origins = allowed_origins
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
        port = parts.port or (443 if parts.scheme == "https" else 80)
        if f"{host}:{port}" in self.allowed_origins:
            return None
        if host not in self._cache:
            self._cache[host] = await self._resolve_refusal(host)
        return self._cache[host]

    async def _resolve_refusal(self, host: str) -> str | None:
        try:
            await checked_address_async(host, None, allow_private_networks=False)
        except RefusedAddress as exc:
            return str(exc)
        return None
