"""A real RFC 3161 timestamp authority on loopback, built from ``openssl ts -reply``."""

from __future__ import annotations

import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CONFIG = """
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
[ ext ]
basicConstraints = critical,CA:false
extendedKeyUsage = critical,timeStamping
keyUsage = critical,digitalSignature
"""


@dataclass(frozen=True)
class Tsa:
    url: str
    cert: Path


@contextmanager
def serve_tsa() -> Iterator[Tsa]:
    with tempfile.TemporaryDirectory(prefix="lantian-tsa-") as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "tsa.cnf").write_text(CONFIG.format(dir=tmp))
        (tmp / "serial").write_text("01\n")
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "tsa.key", "-out", "tsa.pem",
             "-days", "2", "-subj", "/CN=Lantian test TSA", "-config", "tsa.cnf", "-extensions", "ext"],
            cwd=tmp, check=True, capture_output=True,
        )  # fmt: skip
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                return

            def do_POST(self) -> None:
                query = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with lock:
                    (tmp / "q.tsq").write_bytes(query)
                    proc = subprocess.run(
                        ["openssl", "ts", "-reply", "-config", "tsa.cnf", "-queryfile", "q.tsq", "-out", "r.tsr"],
                        cwd=tmp, capture_output=True,
                    )  # fmt: skip
                    body = (tmp / "r.tsr").read_bytes() if proc.returncode == 0 else b""
                self.send_response(200 if body else 500)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield Tsa(f"http://127.0.0.1:{server.server_address[1]}/tsa", tmp / "tsa.pem")
        finally:
            server.shutdown()
            server.server_close()
            thread.join()
