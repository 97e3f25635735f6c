"""``lantian scheduler``: the process that starts campaign runs, re-checks and re-verification."""

from __future__ import annotations

import functools
import json
import signal
import threading
from types import FrameType

import typer

from lantian.commands.common import settings_or_exit
from lantian.config import Settings
from lantian.console import err, fail, out

app = typer.Typer(
    help="Without a command: run the scheduler (campaign runs, takedown re-checks, evidence "
    "re-verification, reaping dead runs) until SIGTERM; running crawls then finish or checkpoint.",
    invoke_without_command=True,
)


def _require_schema(settings: Settings) -> None:
    from alembic.script import ScriptDirectory

    from campaigns import engine_for
    from store import alembic_config, current_revision

    engine = engine_for(settings)
    try:
        current = current_revision(engine)
    except Exception as exc:  # noqa: BLE001 - report any connection failure the same way
        fail(f"database {settings.masked()['database_url']} unavailable: {exc}", 1)
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    if current != head:
        fail(
            f"database schema at {current or 'nothing'}, newest is {head}: run `lantian db upgrade`",
            1,
        )


@app.callback()
def run(
    ctx: typer.Context,
    metrics_port: int | None = typer.Option(
        None, help="serve Prometheus metrics on this port (0.0.0.0) while running"
    ),
) -> None:
    """Run the scheduler until SIGTERM or Ctrl-C; then let running crawls finish or checkpoint.

    On SIGTERM no new run starts; crawls in progress get LANTIAN_SHUTDOWN_GRACE_S
    seconds to finish, then are asked to stop (Scrapy saves its frontier in the
    run's JOBDIR, so the next run resumes it).
    """
    if ctx.invoked_subcommand is not None:
        return
    from campaigns import start_background_scheduler, stop_scheduler
    from lantian.logs import configure_logging
    from takedown import recheck_due

    settings = settings_or_exit()
    configure_logging(settings.log_level, settings.log_json)
    _require_schema(settings)
    if metrics_port is not None:
        from prometheus_client import start_http_server

        from campaigns.metrics import REGISTRY

        start_http_server(metrics_port, registry=REGISTRY)
        err.print(f"metrics on :{metrics_port}/metrics")
    stop = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        err.print(
            f"{signal.Signals(signum).name}: stopping (grace {settings.shutdown_grace_s:.0f}s)"
        )
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    from campaigns import SchedulerAlreadyRunning

    try:
        scheduler = start_background_scheduler(
            settings, functools.partial(recheck_due, settings=settings)
        )
    except SchedulerAlreadyRunning as exc:
        fail(str(exc), 1)
    err.print(
        f"scheduler running with {len(scheduler.get_jobs())} jobs; SIGTERM or Ctrl-C stops it"
    )
    while not stop.wait(1.0):
        pass
    stop_scheduler(scheduler)


@app.command("worker")
def worker(poll: float = typer.Option(5.0, help="seconds between looks for runs to join")) -> None:
    """Join running campaign runs as an extra crawler (needs LANTIAN_REDIS_URL); stop with SIGTERM."""
    from campaigns import WorkerError, run_worker
    from lantian.logs import configure_logging

    settings = settings_or_exit()
    configure_logging(settings.log_level, settings.log_json)
    _require_schema(settings)
    stop = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        crawls = run_worker(settings, stop, poll_s=poll)
    except WorkerError as exc:
        fail(str(exc))
    err.print(f"worker stopped after {crawls} crawl(s)")


@app.command("jobs")
def jobs(as_json: bool = typer.Option(False, "--json", help="JSON Lines on stdout")) -> None:
    """List the jobs stored in the database and when each runs next."""
    from campaigns import stored_jobs

    settings = settings_or_exit()
    _require_schema(settings)
    found = sorted(stored_jobs(settings), key=lambda j: j.id)
    if not found:
        err.print("no jobs stored: the scheduler has not run against this database yet")
    for job in found:
        row = {
            "id": job.id,
            "name": job.name,
            "trigger": str(job.trigger),
            "next_run_time": job.next_run_time.isoformat() if job.next_run_time else None,
            "coalesce": job.coalesce,
            "misfire_grace_time": job.misfire_grace_time,
        }
        if as_json:
            out.print(json.dumps(row), markup=False, highlight=False)
        else:
            out.print(
                f"{row['id']:<16} {row['trigger']:<34} next {row['next_run_time']}  {row['name']}",
                markup=False,
                highlight=False,
            )
