"""The capture browser's only way out: a SOCKS5 proxy on loopback that checks and pins.

Blocking per API (the DevTools ``Fetch`` domain sees documents, scripts,
images, XHR, but not WebSocket handshakes, and other paths may appear) leaves
holes.  So each capture's browser context is given this proxy: every TCP
connection the page makes (HTTP, HTTPS, ``ws://``, ``wss://``, whatever the
request type) is a SOCKS5 ``CONNECT`` carrying the host name; the proxy
resolves it once with :func:`evidence.netguard.checked_address`, refuses
non-public answers, and connects to exactly the address it checked, so a DNS
answer that changes between check and connect (rebinding) cannot switch it.
Chromium resolves nothing itself for proxied requests, and Playwright drops
Chromium's implicit loopback bypass for a context proxy.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import struct
from dataclasses import dataclass, field
from types import TracebackType

from evidence.netguard import RefusedAddress, checked_address_async

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 15.0
_CHUNK = 64 * 1024

# SOCKS5 reply codes (RFC 1928)
_OK, _FAILURE, _NOT_ALLOWED, _UNREACHABLE, _REFUSED, _NO_COMMAND, _NO_ATYP = 0, 1, 2, 4, 5, 7, 8


@dataclass(frozen=True)
class EgressPolicy:
    """What the browser may connect to.

    ``allowed_origins`` (``host:port``) are exceptions to the private-address
    refusal, e.g. a known intranet mirror; still resolved once and pinned.
    """

    allow_private_networks: bool = False
    allowed_origins: frozenset[str] = field(default_factory=frozenset)

    def private_allowed(self, host: str, port: int) -> bool:
        return self.allow_private_networks or f"{host}:{port}" in self.allowed_origins


class EgressProxy:
    """``async with EgressProxy(policy) as proxy:`` then give ``proxy.server`` to the browser."""

    def __init__(self, policy: EgressPolicy) -> None:
        self.policy = policy
        self.blocked: list[str] = []
        self.failed: list[str] = []
        self.connected: dict[tuple[str, int], str] = {}
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._open: set[asyncio.StreamWriter] = set()

    @property
    def server(self) -> str:
        if self._server is None:
            raise RuntimeError("the egress proxy is not started")
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"socks5://{host}:{port}"

    async def start(self) -> EgressProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._open):  # ends the pipes; their tasks then finish
                writer.transport.abort()
            if self._tasks:
                await asyncio.wait(set(self._tasks), timeout=5)
            await self._server.wait_closed()
            self._server = None

    async def reset(self) -> None:
        """End every connection and forget what was logged: a reused browser profile's next
        capture opens (and is checked for) each connection anew, as in a new profile."""
        for writer in list(self._open):
            writer.transport.abort()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=5)
        self.blocked.clear()
        self.failed.clear()
        self.connected.clear()

    async def __aenter__(self) -> EgressProxy:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def address_of(self, host: str, port: int) -> str | None:
        """The address actually connected to for ``host:port`` (what the manifest records)."""
        return self.connected.get((host.lower().strip("[]"), port))

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        self._open.add(writer)
        try:
            await self._session(reader, writer)
        except (OSError, asyncio.IncompleteReadError, ValueError, asyncio.CancelledError):
            # A peer gone, a malformed request, or reset() cancelling this connection between
            # captures: each ends this one connection; re-raising would only make asyncio log it.
            return
        finally:
            if task is not None:
                self._tasks.discard(task)
            self._open.discard(writer)
            writer.close()
            with contextlib.suppress(OSError, asyncio.CancelledError):
                await writer.wait_closed()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        version, n_methods = await reader.readexactly(2)
        methods = await reader.readexactly(n_methods)
        if version != 5 or 0 not in methods:
            writer.write(b"\x05\xff")
            return
        writer.write(b"\x05\x00")
        version, command, _reserved, atyp = await reader.readexactly(4)
        if atyp == 1:
            host = str(ipaddress.IPv4Address(await reader.readexactly(4)))
        elif atyp == 3:
            (length,) = await reader.readexactly(1)
            host = (await reader.readexactly(length)).decode("idna").lower()
        elif atyp == 4:
            host = str(ipaddress.IPv6Address(await reader.readexactly(16)))
        else:
            await self._reply(writer, _NO_ATYP)
            return
        (port,) = struct.unpack("!H", await reader.readexactly(2))
        if version != 5 or command != 1:  # CONNECT only: no BIND, no UDP
            await self._reply(writer, _NO_COMMAND)
            return
        try:
            address = await checked_address_async(
                host, port, self.policy.private_allowed(host, port)
            )
        except RefusedAddress as exc:
            self.blocked.append(f"{host}:{port}: {exc}")
            log.warning("capture egress refused %s:%d: %s", host, port, exc)
            await self._reply(writer, _NOT_ALLOWED)
            return
        try:
            up_reader, up_writer = await asyncio.wait_for(
                asyncio.open_connection(address, port), CONNECT_TIMEOUT_S
            )
        except (OSError, TimeoutError) as exc:
            self.failed.append(f"{host}:{port} ({address}): {_connect_error(exc)}")
            await self._reply(
                writer, _REFUSED if isinstance(exc, ConnectionRefusedError) else _UNREACHABLE
            )
            return
        self.connected[(host, port)] = address
        self._open.add(up_writer)
        try:
            await self._reply(writer, _OK)
            await _pipe_both(reader, writer, up_reader, up_writer)
        finally:
            self._open.discard(up_writer)
            up_writer.close()
            with contextlib.suppress(OSError, asyncio.CancelledError):
                await up_writer.wait_closed()

    @staticmethod
    async def _reply(writer: asyncio.StreamWriter, code: int) -> None:
        writer.write(bytes([5, code, 0, 1]) + bytes(4) + b"\x00\x00")
        await writer.drain()


def _connect_error(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (ERR_CONNECTION_REFUSED)"
    if isinstance(exc, TimeoutError):
        return f"no connection within {CONNECT_TIMEOUT_S:g} s"
    return str(exc) or type(exc).__name__


async def _pipe_both(
    a_reader: asyncio.StreamReader,
    a_writer: asyncio.StreamWriter,
    b_reader: asyncio.StreamReader,
    b_writer: asyncio.StreamWriter,
) -> None:
    async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while chunk := await src.read(_CHUNK):
                dst.write(chunk)
                await dst.drain()
            if dst.can_write_eof():
                dst.write_eof()

    await asyncio.gather(pipe(a_reader, b_writer), pipe(b_reader, a_writer))
