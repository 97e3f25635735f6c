"""A tiny loopback site whose pages can be taken down, for re-check tests without the sandbox."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Site:
    def __init__(self) -> None:
        self.pages: dict[str, tuple[int, str, str]] = {}
        self.posts: list[tuple[str, bytes]] = []
        self.base = ""

    def live(self, path: str, title: str) -> str:
        self.pages[path] = (
            200,
            "text/html; charset=utf-8",
            f"<html><title>{title}</title><body><h1>{title}</h1>加微信</body></html>",
        )
        return self.base + path

    def set(
        self, path: str, status: int, body: str, content_type: str = "text/html; charset=utf-8"
    ) -> None:
        self.pages[path] = (status, content_type, body)


@contextmanager
def serve() -> Iterator[Site]:
    site = Site()

    class Handler(BaseHTTPRequestHandler):
        disable_nagle_algorithm = True

        def do_GET(self) -> None:  # noqa: N802
            status, ctype, body = site.pages.get(
                self.path, (404, "text/html; charset=utf-8", "页面不存在")
            )
            if status in (301, 302):
                self.send_response(status)
                self.send_header("Location", body)
                self.end_headers()
                return
            data = body.encode("gb18030" if "gbk" in ctype else "utf-8")
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:  # noqa: N802 - a webhook receiver for alert tests
            length = int(self.headers.get("Content-Length") or 0)
            site.posts.append((self.path, self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
