"""A tiny loopback web site with the page shapes a capture must cope with."""

from __future__ import annotations

import contextlib
import struct
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


ZH_TEXT = "专利包授权，不成功全额退款！微信同号 13800000000"
ZH_PAGE = f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>专利代理 包授权</title></head>
<body style="font-size:28px"><h1>{ZH_TEXT}</h1><p>发明专利加急办理，国知局内部渠道，审查意见轻松通过。</p>
<img src="/static/logo.png" width="40" height="40"></body></html>"""
GBK_TEXT = "商标注册百分之百成功，挂证服务"
GBK_PAGE = f"""<!doctype html><html><head><meta charset="gbk"><title>商标</title></head>
<body style="font-size:28px"><p>{GBK_TEXT}</p></body></html>""".encode("gbk")
LAZY_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>lazy</title></head><body>
<div style="height:3000px">长页面，往下滚动</div>
<img id="native" loading="lazy" src="/static/lazy-native.png" width="50" height="50">
<img id="observed" data-src="/static/lazy-observed.png" width="50" height="50">
<script>
new IntersectionObserver((entries, obs) => entries.forEach(e => {
  if (e.isIntersecting) { e.target.src = e.target.dataset.src; obs.unobserve(e.target); }
})).observe(document.getElementById('observed'));
</script></body></html>"""
LONG_PAGE = (
    '<!doctype html><meta charset="utf-8"><body style="margin:0">'
    + "".join(f'<p style="height:400px;margin:0">第{i}段：长页面内容</p>' for i in range(15))
    + '<p id="end">页尾联系方式：微信 zl888</p></body>'
)
ALERT_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>alert</title></head><body>
<p style="font-size:28px">弹窗页面：先加微信再看价格</p>
<script>alert('加微信 zl123 领取优惠'); window.open('/zh.html');</script></body></html>"""
# Far taller and wider than any screenshot may be, while its script swears it is tiny.
HUGE_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>huge</title></head>
<body style="margin:0"><p style="font-size:28px">超大页面：加微信 zl999</p>
<div style="width:2000000px;height:5000000px;background:linear-gradient(red,blue)"></div>
<script>
for (const proto of [Element.prototype, HTMLElement.prototype]) {
  for (const prop of ["scrollHeight", "scrollWidth", "clientHeight", "clientWidth",
                      "offsetHeight", "offsetWidth"]) {
    Object.defineProperty(proto, prop, { get() { return 10; }, configurable: true });
  }
}
</script></body></html>"""

# Takes away the timers the capture's scripts wait on, and lies about the browser.
STALL_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>stall</title></head>
<body><p style="font-size:28px">停摆页面：加微信 zl777</p>
<script>
window.setTimeout = () => 0;
window.requestAnimationFrame = () => 0;
Object.defineProperty(Navigator.prototype, "userAgent", { get() { return "FakeBrowser/1.0"; } });
</script></body></html>"""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    hits: dict[str, int] = {}

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def _send(
        self, status: int, body: bytes, ctype: str, extra: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        # the browser may close a pop-up mid-transfer
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        Handler.hits[path] = Handler.hits.get(path, 0) + 1
        if path == "/zh.html":
            self._send(200, ZH_PAGE.encode("utf-8"), "text/html; charset=utf-8", {"X-Test": "zh"})
        elif path == "/gbk.html":
            self._send(200, GBK_PAGE, "text/html; charset=gbk")
        elif path == "/redirect":
            self._send(302, b"", "text/plain", {"Location": "/hop"})
        elif path == "/hop":
            self._send(301, b"", "text/plain", {"Location": "/zh.html"})
        elif path == "/lazy.html":
            self._send(200, LAZY_PAGE.encode("utf-8"), "text/html; charset=utf-8")
        elif path == "/long.html":
            self._send(200, LONG_PAGE.encode("utf-8"), "text/html; charset=utf-8")
        elif path == "/huge.html":
            self._send(200, HUGE_PAGE.encode("utf-8"), "text/html; charset=utf-8")
        elif path == "/stall.html":
            self._send(200, STALL_PAGE.encode("utf-8"), "text/html; charset=utf-8")
        elif path == "/alert.html":
            self._send(200, ALERT_PAGE.encode("utf-8"), "text/html; charset=utf-8")
        elif path.startswith("/static/") and path.endswith(".png"):
            self._send(200, _png(50, 50, (200, 30, 30)), "image/png")
        elif path == "/flaky":
            if Handler.hits[path] == 1:
                self._send(503, b"busy", "text/plain")
            else:
                self._send(200, ZH_PAGE.encode("utf-8"), "text/html; charset=utf-8")
        elif path == "/down":
            self._send(500, b"broken", "text/plain")
        elif path == "/gone":
            self._send(404, "<h1>页面不存在</h1>".encode(), "text/html; charset=utf-8")
        else:
            self._send(404, b"not found", "text/plain")


@contextmanager
def serve() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
