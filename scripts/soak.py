"""A bounded soak on loopback: scheduled crawls, the API under concurrent load, two SIGKILLs.

    .venv/bin/python scripts/soak.py --seconds 180 --clients 20

Starts the sandbox internet, the API (``lantian serve``) and the scheduler
(``lantian scheduler``) on a fresh data directory, with one campaign that
crawls two sandbox platforms every few seconds and captures evidence.  For
``--seconds``, ``--clients`` threads read (listings, details, dashboard, runs)
and write (review notes) through the API with a bearer token.  At 30 % of the
time the running crawl is SIGKILLed, at 50 % the API is SIGKILLed and
restarted.  After the load stops, the scheduler finishes the run in progress
and stops; then it checks: no HTTP 5xx, no listing stored twice, none of the
listings the keywords reach missing, ``lantian evidence verify`` intact, and
the API's and scheduler's memory over time.  Prints one JSON object of
figures; exit 1 when a check fails.  Uses loopback only.

Memory is sampled every 2 s (VmRSS of the API, the scheduler and the running crawl);
"flat" means the least-squares slope over the warm part of each process's life
(the API's two lives, before and after its kill, separately) adds less than
``--flat-mb`` over the whole run.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from campaigns.runs import list_runs  # noqa: E402
from campaigns.specs import load_campaign_file, upsert_campaign  # noqa: E402
from lantian.config import load_settings  # noqa: E402
from sandbox.server import SandboxServer  # noqa: E402
from store.db import make_engine, make_sessionmaker, session_scope, upgrade  # noqa: E402
from store.models import Role, RunStatus  # noqa: E402
from store.users import create_api_token, create_user  # noqa: E402

KEYWORDS = ["挂靠"]
PLATFORMS = ("zhiquanba", "sousou")


def rss_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def slope_kb_per_min(points: list[tuple[float, int]]) -> float | None:
    """Least-squares slope of (seconds, KiB) samples, in KiB per minute."""
    if len(points) < 3:
        return None
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_kb = sum(kb for _, kb in points) / n
    var = sum((t - mean_t) ** 2 for t, _ in points)
    if var == 0:
        return None
    cov = sum((t - mean_t) * (kb - mean_kb) for t, kb in points)
    return round(cov / var * 60, 1)


def memory_figures(
    samples: list[tuple[float, int]], seconds: float, flat_mb: float
) -> dict[str, Any]:
    """First/last/max and slope of one process life's warm samples; flat or not."""
    if not samples:
        return {"samples": 0}
    kbs = [kb for _, kb in samples]
    slope = slope_kb_per_min(samples)
    growth = None if slope is None else round(slope * seconds / 60 / 1024, 1)
    late = samples[len(samples) // 2 :]  # past warm-up steps (imports, caches filling)
    return {
        "samples": len(samples),
        "slope_second_half_kb_per_min": slope_kb_per_min(late),
        "first_mb": round(kbs[0] / 1024, 1),
        "last_mb": round(kbs[-1] / 1024, 1),
        "max_mb": round(max(kbs) / 1024, 1),
        "slope_kb_per_min": slope,
        "growth_over_run_mb": growth,
        "flat": growth is None or growth < flat_mb,
    }


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Load:
    """``clients`` threads hitting the API until stopped; counts every outcome."""

    def __init__(self, base: str, token: str, clients: int) -> None:
        self.base, self.token, self.clients = base, token, clients
        self.outcomes: Counter[str] = Counter()
        self.server_errors: list[str] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [
            threading.Thread(target=self.run, args=(i,), daemon=True) for i in range(clients)
        ]

    def record(self, what: str, detail: str = "") -> None:
        with self.lock:
            self.outcomes[what] += 1
            if what.startswith("5") and len(self.server_errors) < 20:
                self.server_errors.append(detail)

    def run(self, n: int) -> None:
        rnd = random.Random(n)
        writer = n % 3 == 0  # a third write
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.base, headers=headers, timeout=30) as client:
            while not self.stop.is_set():
                try:
                    page = client.get("/api/v1/listings", params={"page": rnd.randint(1, 3)})
                    self.record(str(page.status_code), f"GET /api/v1/listings {page.text[:200]}")
                    items = page.json().get("items", []) if page.status_code == 200 else []
                    if items:
                        listing = rnd.choice(items)["id"]
                        if writer:
                            r = client.post(
                                f"/api/v1/listings/{listing}/reviews",
                                json={"action": "note", "reason": f"soak {n}"},
                            )
                        else:
                            r = client.get(f"/api/v1/listings/{listing}")
                        self.record(str(r.status_code), f"{r.request.url.path} {r.text[:200]}")
                    for path in ("/api/v1/dashboard", "/api/v1/campaigns"):
                        r = client.get(path)
                        self.record(str(r.status_code), f"GET {path} {r.text[:200]}")
                except httpx.TransportError:
                    self.record("connection error")  # the API is down (killed) for a moment
                    time.sleep(0.2)
                except ValueError:
                    self.record("bad json")

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def join(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(60)


def start_api(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "lantian", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(30)
    raise RuntimeError(f"the API did not start; see {log}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--interval", type=int, default=5, help="campaign schedule, seconds")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    parser.add_argument(
        "--flat-mb",
        type=float,
        default=32.0,
        help="memory is flat when its trend adds less than this over the run (MiB)",
    )
    parser.add_argument(
        "--warm-s", type=float, default=30.0, help="samples of a process's first seconds ignored"
    )
    parser.add_argument(
        "--postgres",
        metavar="ADMIN_URL",
        help="run on a fresh PostgreSQL database created (and dropped) through this URL "
        "instead of SQLite, e.g. postgresql://postgres@127.0.0.1:5432/postgres",
    )
    args = parser.parse_args()
    database_url, drop = _database(args.postgres)
    try:
        return _soak(args, database_url)
    finally:
        drop()


def _database(admin_url: str | None) -> tuple[str | None, Any]:
    if not admin_url:
        return None, lambda: None
    from sqlalchemy import text

    name = f"lantian_soak_{os.getpid()}"
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return admin_url.rsplit("/", 1)[0] + f"/{name}", drop


def _soak(args: argparse.Namespace, database_url: str | None) -> int:  # noqa: PLR0915

    work = Path(tempfile.mkdtemp(prefix="lantian-soak-"))
    data = work / "var"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LANTIAN_")}
    env.update(
        LANTIAN_DATA_DIR=str(data),
        LANTIAN_ALLOW_PRIVATE_NETWORKS="true",
        LANTIAN_SCHEDULER_REAP_INTERVAL_S="2",
        LANTIAN_SHUTDOWN_GRACE_S="60",
        PYTHONUNBUFFERED="1",
    )
    if database_url:
        env["LANTIAN_DATABASE_URL"] = database_url
    os.environ.update({k: v for k, v in env.items() if k.startswith("LANTIAN_")})
    settings = load_settings()
    figures: dict[str, Any] = {
        "seconds": args.seconds,
        "clients": args.clients,
        "database": "postgresql" if database_url else "sqlite",
        "data": str(work),
    }
    with SandboxServer(seed=2025, slow_delay=0.3) as sandbox:
        urls = {p: sandbox.urls[p] for p in PLATFORMS}
        engine = make_engine(settings.resolved_database_url)
        upgrade(engine)
        campaign = work / "soak.yaml"
        campaign.write_text(
            json.dumps(
                {
                    "name": "soak",
                    "keywords": KEYWORDS,
                    "platforms": list(PLATFORMS),
                    "base_urls": urls,
                    "limits": {"depth": 1, "pages": 40},
                    "capture": True,
                    "schedule": {"interval_s": args.interval},
                },
                ensure_ascii=False,
            ),
            encoding="utf-8",
        )
        with session_scope(make_sessionmaker(engine)) as session:
            campaign_id = upsert_campaign(session, load_campaign_file(campaign)).id
            user = create_user(
                session, "soak", "soak-password-123", Role.reviewer, created_by="soak"
            )
            token = create_api_token(session, user, "soak", by="soak").secret
        engine.dispose()

        port = free_port()
        api_log, sched_log = work / "api.log", work / "scheduler.log"
        api = start_api(env, port, api_log)
        with sched_log.open("ab") as fh:
            scheduler = subprocess.Popen(
                [sys.executable, "-m", "lantian", "scheduler"],
                env=env,
                stdout=fh,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        load = Load(f"http://127.0.0.1:{port}", token, args.clients)
        memory: list[dict[str, Any]] = []
        api_lives: list[list[tuple[float, int]]] = [[]]
        api_born = 0.0
        sched_life: list[tuple[float, int]] = []
        crawl_peaks: dict[int, int] = {}
        started = time.monotonic()
        load.start()
        crawl_killed = api_killed = False
        try:
            while (elapsed := time.monotonic() - started) < args.seconds:
                sample = {
                    "t": round(elapsed),
                    "api_kb": rss_kb(api.pid),
                    "scheduler_kb": rss_kb(scheduler.pid),
                }
                memory.append(sample)
                if sample["api_kb"] and elapsed - api_born >= args.warm_s:
                    api_lives[-1].append((elapsed, sample["api_kb"]))
                if sample["scheduler_kb"] and elapsed >= args.warm_s:
                    sched_life.append((elapsed, sample["scheduler_kb"]))
                for run in list_runs(settings, campaign_id, limit=5):
                    if run.status is RunStatus.running and run.pid:
                        kb = rss_kb(run.pid) or 0
                        crawl_peaks[run.id] = max(crawl_peaks.get(run.id, 0), kb)
                if not crawl_killed and elapsed >= 0.3 * args.seconds:
                    running = [
                        (r, r.pid)
                        for r in list_runs(settings, campaign_id, limit=20)
                        if r.status is RunStatus.running and r.pid
                    ]
                    frontier = data / "jobs" / f"campaign-{campaign_id}"
                    if running and running[0][1] and any(frontier.glob("*/frontier.sqlite")):
                        os.killpg(running[0][1], signal.SIGKILL)
                        figures["crawl_killed"] = {"run": running[0][0].id, "at_s": round(elapsed)}
                        crawl_killed = True
                if not api_killed and elapsed >= 0.5 * args.seconds:
                    os.killpg(api.pid, signal.SIGKILL)
                    api.wait(30)
                    down = time.monotonic()
                    api = start_api(env, port, api_log)
                    api_born = time.monotonic() - started
                    api_lives.append([])
                    figures["api_killed"] = {
                        "at_s": round(elapsed),
                        "down_s": round(time.monotonic() - down, 1),
                    }
                    api_killed = True
                time.sleep(2)
        finally:
            load.join()
            # let the run in progress finish, then stop the scheduler gracefully
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline and any(
                r.status in {RunStatus.running, RunStatus.queued}
                for r in list_runs(settings, campaign_id, limit=50)
            ):
                time.sleep(1)
            for proc, wait_s in ((scheduler, 120), (api, 60)):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(wait_s)

        runs = Counter(str(r.status) for r in list_runs(settings, campaign_id, limit=500))
        # the crawl tests' own ground-truth helper: what the keywords reach on the sandbox
        helpers = importlib.import_module("tests.crawler.conftest")
        expected = helpers.expected_listings(urls, sandbox.truth(), KEYWORDS)
    from sqlalchemy import text

    engine = make_engine(settings.resolved_database_url)
    with engine.connect() as conn:
        stored = [u for (u,) in conn.execute(text("select canonical_url from listings"))]
        captures = conn.execute(text("select count(*) from evidence_captures")).scalar_one()
    engine.dispose()
    verify = subprocess.run(
        [sys.executable, "-m", "lantian", "evidence", "verify", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    report = json.loads(verify.stdout) if verify.stdout.strip().startswith("{") else {}
    memory_verdicts = {
        "api_before_kill": memory_figures(api_lives[0], args.seconds, args.flat_mb),
        "api_after_restart": memory_figures(
            api_lives[-1] if len(api_lives) > 1 else [], args.seconds, args.flat_mb
        ),
        "scheduler": memory_figures(sched_life, args.seconds, args.flat_mb),
    }
    peaks = [kb for _, kb in sorted(crawl_peaks.items())]
    server_errors = sum(v for k, v in load.outcomes.items() if k.startswith("5"))
    figures.update(
        requests=dict(load.outcomes),
        server_errors=server_errors,
        server_error_samples=load.server_errors,
        runs=dict(runs),
        listings=len(stored),
        distinct_listings=len(set(stored)),
        expected_listings=len(expected),
        missing_listings=sorted(set(expected) - set(stored)),
        evidence_captures=captures,
        evidence_verify={"exit": verify.returncode, "problems": report.get("problems", [])[:10]},
        memory={
            "note": f"VmRSS every 2 s, the first {args.warm_s:g} s of each process life left "
            "out; slope by least squares; flat: its trend adds < "
            f"{args.flat_mb:g} MiB over the run",
            **memory_verdicts,
            "crawl_runs_peak_mb": [round(kb / 1024, 1) for kb in peaks],
            "crawl_peak_slope_kb_per_run": (
                None
                if len(peaks) < 3
                else round((slope_kb_per_min([(i, kb) for i, kb in enumerate(peaks)]) or 0) / 60, 1)
            ),
            "series_every_20_s": {
                "api_mb": [round((m["api_kb"] or 0) / 1024) for m in memory[::10]],
                "scheduler_mb": [round((m["scheduler_kb"] or 0) / 1024) for m in memory[::10]],
            },
        },
    )
    ok = (
        server_errors == 0
        and len(stored) == len(set(stored))
        and not figures["missing_listings"]
        and verify.returncode == 0
        and figures.get("crawl_killed")
        and figures.get("api_killed")
        and all(v.get("flat", True) for v in memory_verdicts.values())
    )
    figures["ok"] = bool(ok)
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    if not args.keep and ok:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
