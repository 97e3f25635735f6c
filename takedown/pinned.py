"""An httpx transport that connects to the address it checked (resolve-then-pin).

Checking a host name and then letting the HTTP library resolve it again leaves
a window: a name that answers a public address to the check and a private one
to the connect (DNS rebinding) reaches the intranet.  This transport's network
backend resolves once through :func:`evidence.netguard.checked_address` and
opens the socket to that address; the URL, the ``Host`` header and the TLS
server name (SNI, certificate check) keep the host name, as httpcore takes
them from the request's origin, not from the socket.
"""

from __future__ import annotations

import typing

import httpcore
import httpx
from httpcore._backends.sync import SyncBackend

from evidence import checked_address

SocketOption = typing.Any


class PinningBackend(httpcore.NetworkBackend):
    def __init__(self, allow_private_networks: bool) -> None:
        self.allow_private_networks = allow_private_networks
        self.connected: dict[tuple[str, int], str] = {}
        self._inner = SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[SocketOption] | None = None,
    ) -> httpcore.NetworkStream:
        """Raises :class:`evidence.netguard.RefusedAddress` for a non-public answer."""
        address = checked_address(host, port, self.allow_private_networks)
        self.connected[(host, port)] = address
        return self._inner.connect_tcp(address, port, timeout, local_address, socket_options)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[SocketOption] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not used for re-checks")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class PinnedTransport(httpx.HTTPTransport):
    """``httpx.HTTPTransport`` whose connection pool dials through :class:`PinningBackend`."""

    def __init__(self, allow_private_networks: bool, *, verify: bool = True) -> None:
        super().__init__(verify=verify, trust_env=False)
        self.backend = PinningBackend(allow_private_networks)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
            network_backend=self.backend,
        )
