"""Run the three platforms on loopback in a background thread.

>>> with SandboxServer(seed=2025) as sb:          # free ports
...     sb.urls["taobaobei"]                        # 'http://127.0.0.1:41235'
...     sb.take_down(sb.truth()[0]["url"])
"""

from __future__ import annotations

import asyncio
import socket
import threading
from types import TracebackType
from typing import Any

from aiohttp import web

from sandbox.app import DEFAULT_ADMIN_TOKEN, AppConfig, build_apps
from sandbox.generate import DEFAULT_SEED, build_world
from sandbox.model import PLATFORM_KEYS, PLATFORMS, Page, World
from sandbox.state import SandboxState
from sandbox.truth import base_urls, truth_records

DEFAULT_BASE_PORT = 8700


class SandboxStartError(RuntimeError):
    """The sandbox could not bind its ports or start its event loop."""


class SandboxServer:
    """The sandbox internet for one seed, served on three loopback ports.

    ``base_port=0`` picks three free ports (tests); otherwise the platforms get
    ``base_port``, ``base_port + 1`` and ``base_port + 2``.  Use as a context
    manager, or call :meth:`start` / :meth:`stop`.
    """

    def __init__(
        self,
        seed: int = DEFAULT_SEED,
        host: str = "127.0.0.1",
        base_port: int = 0,
        *,
        slow_delay: float = 0.8,
        admin_token: str = DEFAULT_ADMIN_TOKEN,
        world: World | None = None,
    ) -> None:
        self.seed = seed
        self.host = host
        self.base_port = base_port
        self.slow_delay = slow_delay
        self.admin_token = admin_token
        self.world = world or build_world(seed)
        self.state = SandboxState(self.world)
        self.urls: dict[str, str] = {}
        self._sockets: dict[str, socket.socket] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runners: list[web.AppRunner] = []
        self._ready = threading.Event()
        self._error: BaseException | None = None

    # --- lifecycle ---
    def _bind(self) -> None:
        for key in PLATFORM_KEYS:
            port = self.base_port + PLATFORMS[key].offset if self.base_port else 0
            family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((self.host, port))
            except OSError as exc:
                sock.close()
                for other in self._sockets.values():
                    other.close()
                self._sockets.clear()
                raise SandboxStartError(f"cannot bind {key} to {self.host}:{port}: {exc}") from exc
            sock.listen(128)
            sock.setblocking(False)
            self._sockets[key] = sock
        host = f"[{self.host}]" if ":" in self.host else self.host
        self.urls = {
            key: f"http://{host}:{sock.getsockname()[1]}" for key, sock in self._sockets.items()
        }

    def start(self) -> SandboxServer:
        if self._thread is not None:
            return self
        self._bind()
        self._thread = threading.Thread(target=self._run, name="lantian-sandbox", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout=15):
            self.stop()
            raise SandboxStartError("sandbox event loop did not start within 15 s")
        if self._error is not None:
            self._thread.join(timeout=5)
            self._thread = None
            self._close_sockets()
            raise SandboxStartError(f"sandbox failed to start: {self._error}") from self._error
        return self

    def _close_sockets(self) -> None:
        for sock in self._sockets.values():
            sock.close()
        self._sockets.clear()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._serve())
        except BaseException as exc:  # noqa: BLE001 - reported to start()
            self._error = exc
            loop.run_until_complete(self._cleanup())
            loop.close()
            self._ready.set()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self._cleanup())
            loop.close()

    async def _serve(self) -> None:
        config = AppConfig(self.state, self.urls, self.admin_token, self.slow_delay)
        for key, app in build_apps(config).items():
            runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
            await runner.setup()
            await web.SockSite(runner, self._sockets[key]).start()
            self._runners.append(runner)

    async def _cleanup(self) -> None:
        for runner in self._runners:
            await runner.cleanup()
        self._runners.clear()

    def stop(self) -> None:
        if self._thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=15)
        self._thread = None
        self._close_sockets()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Block until interrupted (for ``lantian sandbox serve``)."""
        self.start()
        assert self._thread is not None
        try:
            while self._thread.is_alive():
                self._thread.join(timeout=0.5)
        finally:
            self.stop()

    # --- ground truth and admin ---
    def truth(self) -> list[dict[str, Any]]:
        """One record per page, with absolute URLs on this server."""
        urls = self.urls or base_urls(self.host, self.base_port or DEFAULT_BASE_PORT)
        return truth_records(self.world, urls)

    def page(self, ref: str) -> Page:
        """The page behind a URL, path or id (raises ``UnknownListingError``)."""
        return self.state.resolve(ref)

    def url_of(self, page: Page) -> str:
        return self.urls[page.platform] + page.path

    def take_down(self, ref: str) -> Page:
        """Take a listing down as its platform would (shops: every item goes with them)."""
        page = self.page(ref)
        self.state.take_down(page)
        return page

    def restore(self, ref: str) -> Page:
        page = self.page(ref)
        self.state.restore(page)
        return page

    def reset(self) -> None:
        """Restore every listing and reset the transient-failure counters."""
        self.state.reset()

    def removed_urls(self) -> list[str]:
        return [self.url_of(self.state.by_id[i]) for i in self.state.removed_ids()]
