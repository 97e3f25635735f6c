"""Measure exports and re-checks: ``python -m takedown.bench [--listings 400] [--shops 40]``.

Export: every format for all notices, twice (the second must be byte-identical);
the baseline is building the notice documents alone.  Re-check: every listing
fetched from a loopback site (half of them taken down) and judged, without
browser captures; the baseline is a plain GET of the same URLs with the same
client.  Prints one line per figure, with the ratio to its baseline.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
from sqlalchemy.orm import Session

from store import (
    EvidenceCapture,
    ListingStatus,
    Observation,
    Role,
    User,
    make_engine,
    make_sessionmaker,
    record_observation,
    upgrade,
)
from takedown.categories import StaticCatalog
from takedown.document import build_document
from takedown.export import export_notices
from takedown.grouping import draft_notices
from takedown.platforms import ExportFormat
from takedown.recheck import recheck_due
from takedown.workflow import approve, mark_sent

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
CATALOG = StaticCatalog(
    names={"guaranteed_grant": "承诺授权结果"},
    bases={"guaranteed_grant": ["《专利代理条例》第二十五条"]},
)


@contextmanager
def _site(removed: set[str]) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # else each keep-alive answer waits on a delayed ACK

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            if self.path in removed:
                body = "<html><body><div>该商品已下架</div></body></html>".encode()
            else:
                body = f"<html><body><h1>商品{self.path}</h1>包授权</body></html>".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@dataclass(frozen=True)
class BenchSettings:
    """The re-check's settings for the bench: a fresh SQLite store in a temporary folder,
    loopback allowed, no browser (the defaults of ``lantian.config.Settings`` otherwise)."""

    data_dir: Path
    alert_webhook_urls: list[str] = field(default_factory=list)
    allow_private_networks: bool = True
    chromium_path: str | None = None
    operator: str = "lantian"
    takedown_close_shop_threshold: int = 3
    takedown_recheck_age_s: int = 21600
    takedown_recheck_capture: bool = False
    takedown_recheck_timeout_s: float = 20.0
    tsa_url: str | None = None

    @property
    def resolved_database_url(self) -> str:
        return f"sqlite:///{(self.data_dir / 'lantian.db').resolve()}"

    @property
    def resolved_evidence_dir(self) -> Path:
        return self.data_dir / "evidence"

    @property
    def resolved_key_dir(self) -> Path:
        return self.data_dir / "keys"


def _seed(session: Session, base: str, listings: int, shops: int) -> User:
    """Confirmed listings with a capture each, on ``shops`` shops; returns the supervisor."""
    sup = User(username="bench", password_hash="!", role=Role.supervisor)  # noqa: S106 - no login
    session.add(sup)
    for i in range(listings):
        url = f"{base}/item/{i}"
        rec = record_observation(
            session,
            Observation(
                platform_key="taobao",
                canonical_url=url,
                url=url,
                title=f"商品/item/{i}",
                text="专利包授权 不过全额退款 " * 20,
                shop=f"店铺{i % shops}",
                region="浙江 杭州",
                fetched_at=T0,
            ),
        )
        rec.listing.status = ListingStatus.confirmed
        rec.listing.categories = ["guaranteed_grant"]
        session.add(
            EvidenceCapture(
                listing_id=rec.listing.id,
                capture_uid=f"cap-{i}",
                manifest_sha256=f"{i:064x}",
                url=url,
                captured_at=T0,
                screenshot_sha256=f"{i + 1:064x}",
            )
        )
    return sup


def run(listings: int, shops: int) -> list[str]:
    lines: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = BenchSettings(Path(tmp))
        engine = make_engine(settings.resolved_database_url)
        upgrade(engine)
        removed = {f"/item/{i}" for i in range(0, listings, 2)}
        with _site(removed) as base, make_sessionmaker(engine)() as session:
            sup = _seed(session, base, listings, shops)
            session.flush()
            notices = draft_notices(session, sup, now=T0).created
            for n in notices:
                approve(session, n, sup, at=T0)
            session.commit()

            start = time.perf_counter()
            for n in notices:
                build_document(session, n, office_name="局", office_contact="", catalog=CATALOG)
            baseline = time.perf_counter() - start
            lines.append(
                f"documents: {len(notices)} notices, {listings} listings, {baseline:.2f} s (baseline)"
            )
            for fmt in ExportFormat:
                start = time.perf_counter()
                first = export_notices(
                    session, notices, fmt, office_name="局", office_contact="", catalog=CATALOG
                )
                elapsed = time.perf_counter() - start
                again = export_notices(
                    session, notices, fmt, office_name="局", office_contact="", catalog=CATALOG
                )
                same = [f.content for f in first] == [f.content for f in again]
                size = sum(len(f.content) for f in first)
                lines.append(
                    f"export {fmt.value}: {elapsed:.2f} s, {listings / elapsed:.0f} listings/s, {size} bytes, "
                    f"{elapsed / baseline:.1f}x baseline, re-export identical: {same}"
                )

            urls = [f"{base}/item/{i}" for i in range(listings)]
            with httpx.Client(trust_env=False) as client:
                start = time.perf_counter()
                for url in urls:
                    client.get(url)
                plain = time.perf_counter() - start
                for n in notices:
                    mark_sent(session, n, "bench", at=T0)
                start = time.perf_counter()
                reports = recheck_due(session, settings, now=T0 + timedelta(days=1), client=client)
                elapsed = time.perf_counter() - start
            gone = sum(c.verdict.value == "removed" for r in reports for c in r.checks)
            lines.append(
                f"plain GET: {listings} URLs, {plain:.2f} s, {listings / plain:.0f}/s (baseline)"
            )
            lines.append(
                f"re-check: {listings} listings, {elapsed:.2f} s, {listings / elapsed:.0f}/s, "
                f"{elapsed / plain:.1f}x baseline; removed {gone} (expected {len(removed)})"
            )
        engine.dispose()
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--listings", type=int, default=400)
    parser.add_argument("--shops", type=int, default=40)
    args = parser.parse_args()
    for line in run(args.listings, args.shops):
        print(line, flush=True)


if __name__ == "__main__":
    main()
