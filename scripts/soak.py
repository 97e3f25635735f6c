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

from soak_watch import Watch  # noqa: E402  (beside this script)

from campaigns import list_runs, load_campaign_file, upsert_campaign  # noqa: E402
from lantian.config import load_settings  # noqa: E402
from sandbox import SandboxServer  # noqa: E402
from store import (  # noqa: E402
    Role,
    RunStatus,
    create_api_token,
    create_user,
    make_engine,
    make_sessionmaker,
    session_scope,
    upgrade,
)

KEYWORDS = ["挂靠"]
PLATFORMS = ("zhiquanba", "sousou")


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


def _soak(args: argparse.Namespace, database_url: str | None) -> int:
    work, env = _environment(database_url)
    settings = load_settings()
    figures: dict[str, Any] = {
        "seconds": args.seconds,
        "clients": args.clients,
        "database": "postgresql" if database_url else "sqlite",
        "data": str(work),
    }
    with SandboxServer(seed=2025, slow_delay=0.3) as sandbox:
        urls = {p: sandbox.urls[p] for p in PLATFORMS}
        campaign_id, token = _seed(settings, work, urls, args.interval)
        port = free_port()
        api_log = work / "api.log"
        api = start_api(env, port, api_log)
        scheduler = start_scheduler(env, work / "scheduler.log")
        load = Load(f"http://127.0.0.1:{port}", token, args.clients)
        watch = Watch(args, settings, campaign_id, work / "var", figures)
        load.start()
        try:
            api = watch.run(api, scheduler, lambda: start_api(env, port, api_log))
        finally:
            load.join()
            _wind_down(settings, campaign_id, scheduler, api)
        runs = Counter(str(r.status) for r in list_runs(settings, campaign_id, limit=500))
        # the crawl tests' own ground-truth helper: what the keywords reach on the sandbox
        helpers = importlib.import_module("tests.crawler.conftest")
        expected = helpers.expected_listings(urls, sandbox.truth(), KEYWORDS)
    figures.update(runs=dict(runs), **_outcomes(load, watch, args))
    ok = _check_store(settings, env, expected, figures)
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    if not args.keep and ok:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


def _environment(database_url: str | None) -> tuple[Path, dict[str, str]]:
    """A fresh data directory, and the environment every process of the soak runs with."""
    work = Path(tempfile.mkdtemp(prefix="lantian-soak-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("LANTIAN_")}
    env.update(
        LANTIAN_DATA_DIR=str(work / "var"),
        LANTIAN_ALLOW_PRIVATE_NETWORKS="true",
        LANTIAN_SCHEDULER_REAP_INTERVAL_S="2",
        LANTIAN_SHUTDOWN_GRACE_S="60",
        PYTHONUNBUFFERED="1",
    )
    if database_url:
        env["LANTIAN_DATABASE_URL"] = database_url
    os.environ.update({k: v for k, v in env.items() if k.startswith("LANTIAN_")})
    return work, env


def _seed(settings: Any, work: Path, urls: dict[str, str], interval: int) -> tuple[int, str]:
    """The migrated database with the soak's campaign and a reviewer; (campaign id, token)."""
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
                "schedule": {"interval_s": interval},
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    with session_scope(make_sessionmaker(engine)) as session:
        campaign_id = upsert_campaign(session, load_campaign_file(campaign)).id
        user = create_user(session, "soak", "soak-password-123", Role.reviewer, created_by="soak")
        token = create_api_token(session, user, "soak", by="soak").secret
    engine.dispose()
    return campaign_id, token


def start_scheduler(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as fh:
        return subprocess.Popen(
            [sys.executable, "-m", "lantian", "scheduler"],
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _wind_down(
    settings: Any,
    campaign_id: int,
    scheduler: subprocess.Popen[bytes],
    api: subprocess.Popen[bytes],
) -> None:
    """Let the run in progress finish, then stop the scheduler and the API gracefully."""
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


def _outcomes(load: Load, watch: Watch, args: argparse.Namespace) -> dict[str, Any]:
    """What the clients saw and how memory went."""
    return {
        "requests": dict(load.outcomes),
        "server_errors": sum(v for k, v in load.outcomes.items() if k.startswith("5")),
        "server_error_samples": load.server_errors,
        "memory": watch.memory_figures(),
    }


def _check_store(
    settings: Any, env: dict[str, str], expected: Any, figures: dict[str, Any]
) -> bool:
    """Listings stored once each, none expected missing, evidence verified; all checks passed."""
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
    figures.update(
        listings=len(stored),
        distinct_listings=len(set(stored)),
        expected_listings=len(expected),
        missing_listings=sorted(set(expected) - set(stored)),
        evidence_captures=captures,
        evidence_verify={"exit": verify.returncode, "problems": report.get("problems", [])[:10]},
    )
    memory = figures["memory"]
    ok = (
        figures["server_errors"] == 0
        and len(stored) == len(set(stored))
        and not figures["missing_listings"]
        and verify.returncode == 0
        and figures.get("crawl_killed")
        and figures.get("api_killed")
        and all(
            memory[k].get("flat", True)
            for k in ("api_before_kill", "api_after_restart", "scheduler")
        )
    )
    figures["ok"] = bool(ok)
    return bool(ok)


if __name__ == "__main__":
    raise SystemExit(main())
