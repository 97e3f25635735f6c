"""Capture isolation at the browser's network layer: WebSockets and DNS rebinding included.

Everything here is on loopback, so the page's own origin is allowed by name
(``allowed_origins``) while private networks stay refused; a second loopback
server counts the connections it receives.  It must receive none: not the
WebSocket handshake, not an EventSource, not a beacon.  A control run that
allows it shows the page really does try.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from evhelpers import BrowserThread

from evidence import egress, netguard
from evidence.capture import CaptureOptions, capture
from evidence.egress import EgressPolicy, EgressProxy
from evidence.errors import BlockedAddressError, CaptureError
from tests.loopsite import serve_page

pytestmark = pytest.mark.browser


class Counter:
    """A loopback TCP server that only counts the connections it accepts."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = int(self.sock.getsockname()[1])
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            conn.close()

    def wait_for(self, n: int, timeout_s: float) -> int:
        deadline = time.monotonic() + timeout_s
        while self.accepted < n and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.accepted

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()


def _page(target: str) -> bytes:
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>isolation</title></head>
<body><p>页面</p><script>
const target = "{target}";
try {{ new WebSocket("ws://" + target + "/socket"); }} catch (e) {{}}
try {{ new EventSource("http://" + target + "/events"); }} catch (e) {{}}
try {{ navigator.sendBeacon("http://" + target + "/beacon", "x"); }} catch (e) {{}}
setTimeout(() => {{ try {{ new WebSocket("ws://" + target + "/late"); }} catch (e) {{}} }}, 200);
</script></body></html>""".encode()


def page_site(target: str) -> contextlib.AbstractContextManager[int]:
    return serve_page(_page(target))


@pytest.fixture
def counter() -> Iterator[Counter]:
    c = Counter()
    yield c
    c.close()


def _options(*origins: str) -> CaptureOptions:
    return CaptureOptions(
        allow_private_networks=False,
        allowed_origins=frozenset(origins),
        attempts=1,
        settle_timeout_s=1.0,
    )


def test_websocket_to_a_private_address_never_gets_a_handshake(
    browser: BrowserThread, counter: Counter
) -> None:
    target = f"127.0.0.1:{counter.port}"
    with page_site(target) as port:
        origin = f"127.0.0.1:{port}"
        result = browser.run(capture(browser.pool, f"http://{origin}/", _options(origin)))
        time.sleep(0.5)  # anything still in flight would have connected by now
        assert counter.accepted == 0
        log = json.loads(result.artifact("log").data)
        assert any(target in b and "non-public" in b for b in log["requests_blocked"]), log
        assert result.server_ip == "127.0.0.1"
        # control: allow the counter too, and the same page does connect to it
        browser.run(capture(browser.pool, f"http://{origin}/", _options(origin, target)))
        assert counter.wait_for(1, 5.0) >= 1


def test_the_proxy_refuses_every_private_form_and_names_it() -> None:
    async def ask(host: bytes, port: int) -> int:
        async with EgressProxy(EgressPolicy()) as proxy:
            _, addr = proxy.server.rsplit("/", 1)
            ip, proxy_port = addr.split(":")
            reader, writer = await asyncio.open_connection(ip, int(proxy_port))
            writer.write(b"\x05\x01\x00")
            await reader.readexactly(2)
            writer.write(b"\x05\x01\x00\x03" + bytes([len(host)]) + host + port.to_bytes(2, "big"))
            reply = await reader.readexactly(10)
            writer.close()
            await writer.wait_closed()
            assert any(host.decode() in b for b in proxy.blocked)
            return reply[1]

    for host in (b"127.0.0.1", b"::7f00:1", b"64:ff9b::a9fe:a9fe", b"localhost", b"10.0.0.1"):
        assert asyncio.run(ask(host, 80)) == 2  # "connection not allowed by ruleset"


def test_dns_rebinding_cannot_switch_the_capture_to_a_private_address(
    browser: BrowserThread, counter: Counter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The name answers public first, then loopback: the proxy connects where it checked."""
    answers: list[str] = []
    real = netguard.resolve_host

    def rebinding(host: str, port: int | None = None) -> list[str]:
        if host != "rebind.example":
            return real(host, port)
        answer = "93.184.216.34" if not answers else "127.0.0.1"
        answers.append(answer)
        return [answer]

    monkeypatch.setattr(netguard, "resolve_host", rebinding)
    url = f"http://rebind.example:{counter.port}/"
    with pytest.raises(CaptureError) as info:
        browser.run(capture(browser.pool, url, _options()))
    assert counter.accepted == 0
    # the pre-check saw the public answer; the proxy's own lookup (the one it
    # connects with) saw loopback and refused
    assert answers[:2] == ["93.184.216.34", "127.0.0.1"]
    assert isinstance(info.value, BlockedAddressError)
    assert "rebind.example resolves to non-public address 127.0.0.1" in str(info.value)


def test_a_rebinding_refused_by_the_devtools_guard_before_the_proxy_is_still_blocked(
    browser: BrowserThread, counter: Counter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Which guard refuses first is a race; held back, the proxy answers after the load failed."""

    answers: list[str] = []

    def rebinding(host: str, port: int | None = None) -> list[str]:
        if host != "rebind.example":
            raise AssertionError(f"unexpected lookup of {host}")
        answers.append("93.184.216.34" if not answers else "127.0.0.1")
        return answers[-1:]

    checked = netguard.checked_address_async

    async def slow_proxy_check(host: str, port: int | None, allow_private: bool) -> str:
        await asyncio.sleep(1.0)
        return await checked(host, port, allow_private)

    monkeypatch.setattr(netguard, "resolve_host", rebinding)
    monkeypatch.setattr(egress, "checked_address_async", slow_proxy_check)
    url = f"http://rebind.example:{counter.port}/"
    with pytest.raises(BlockedAddressError) as info:
        browser.run(capture(browser.pool, url, _options()))
    assert counter.accepted == 0
    assert "rebind.example resolves to non-public address 127.0.0.1" in str(info.value)
