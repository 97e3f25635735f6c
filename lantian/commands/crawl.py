"""``lantian crawl CAMPAIGN`` and ``lantian campaigns ...``."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.live import Live
from rich.table import Table
from sqlalchemy import select

from crawler.campaigns import (
    CampaignError,
    CampaignSpec,
    builtin_campaigns,
    load_campaign_file,
    resolve_campaign,
    upsert_campaign,
)
from crawler.runner import RunOptions, RunResult, run_campaign, worker_id
from lantian.commands.common import migrated_session, settings_or_exit
from lantian.config import Settings
from lantian.console import EXIT_CHECK_FAILED, err, fail, out
from spiders.profile import Profile, ProfileError, bind_base, get_profile
from store.db import make_engine, make_sessionmaker, session_scope, upgrade
from store.models import Campaign, CampaignRun, RunStatus, utcnow

campaigns_app = typer.Typer(
    help="Campaigns: keywords x platforms x limits x schedule.", no_args_is_help=True
)


def parse_base_urls(values: list[str]) -> dict[str, str]:
    out_: dict[str, str] = {}
    for value in values:
        key, sep, url = value.partition("=")
        if not sep or not key.strip() or not url.strip():
            raise typer.BadParameter(f"{value!r}: expected PLATFORM=URL", param_hint="--base-url")
        out_[key.strip()] = url.strip()
    return out_


def bound_profiles(settings: Settings, spec: CampaignSpec) -> list[Profile]:
    return [
        bind_base(get_profile(settings.profiles_dir, key), spec.base_urls.get(key))
        for key in spec.platforms
    ]


def _progress_table(totals: dict[str, int], seconds: float, title: str) -> Table:
    table = Table(title=title, show_header=True, header_style="bold")
    for name in ("pages", "items", "flagged", "stored", "errors", "pages/s", "elapsed"):
        table.add_column(name, justify="right")
    rate = totals["pages"] / seconds if seconds > 0 else 0.0
    table.add_row(
        *(str(totals[k]) for k in ("pages", "items", "flagged", "stored", "errors")),
        f"{rate:.1f}",
        f"{seconds:.0f}s",
    )
    return table


def _why_nothing(result: RunResult) -> str:
    reasons = []
    for key, value in sorted(result.stats.items()):
        if key.startswith("downloader/exception_type_count/") or key.startswith(
            "downloader/response_status_count/"
        ):
            reasons.append(f"{key.rsplit('/', 1)[-1]} x{value}")
    for key in ("lantian/blocked_private", "robotstxt/forbidden"):
        if result.stats.get(key):
            reasons.append(f"{key} x{result.stats[key]}")
    return ", ".join(reasons) or "no request got a response"


def _merge_worker_stats(existing: dict[str, Any], worker: str, result: RunResult) -> dict[str, Any]:
    workers = dict(existing.get("workers", {}))
    workers[worker] = {
        "totals": result.stats,
        "seconds": round(result.seconds, 3),
        "peak_rss_kb": result.peak_rss_kb,
        "platforms": result.per_platform,
    }
    totals: dict[str, Any] = {}
    for w in workers.values():
        for key, value in w["totals"].items():
            if isinstance(value, int | float):
                totals[key] = totals.get(key, 0) + value
    return {**totals, "workers": workers}


def crawl(
    campaign: Annotated[
        str, typer.Argument(help="campaign name (database or built-in) or YAML file")
    ],
    base_url: Annotated[
        list[str] | None,
        typer.Option("--base-url", help="PLATFORM=URL for profiles using {base}; repeatable"),
    ] = None,
    run_id: Annotated[
        int | None, typer.Option("--run-id", help="the queued run to carry out")
    ] = None,
    jobdir: Annotated[
        Path | None, typer.Option("--jobdir", help="resumable state; rerun with it to resume")
    ] = None,
    no_capture: Annotated[bool, typer.Option("--no-capture", help="skip evidence capture")] = False,
    url_log: Annotated[
        Path | None, typer.Option("--url-log", hidden=True, help="append fetched URLs (bench)")
    ] = None,
    ignore_robots: Annotated[
        bool, typer.Option("--ignore-robots", help="do not obey robots.txt (recorded in the run)")
    ] = False,
    replay: Annotated[
        Path | None,
        typer.Option(
            "--replay",
            help="serve archived responses from FILE.warc[.gz] or a folder of WARCs, not the network",
        ),
    ] = None,
) -> None:
    """Run one crawl of CAMPAIGN in this process; print a JSON summary on stdout.

    Exits 1 when no page could be fetched, 2 when the campaign or a profile is wrong.
    """
    settings = settings_or_exit()
    if replay is not None:
        from spiders.archive import warc_files

        if not replay.exists() or not warc_files(replay):
            fail(f"--replay {replay}: no WARC file there (*.warc, *.warc.gz)")
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    try:
        overrides = parse_base_urls(base_url or [])
    except typer.BadParameter as exc:
        fail(str(exc))
    worker = worker_id()
    try:
        with session_scope(sessions) as session:
            spec, row = resolve_campaign(session, campaign)
            spec = spec.model_copy(update={"base_urls": {**spec.base_urls, **overrides}})
            if ignore_robots:
                spec = spec.model_copy(update={"obey_robots": False})
            unknown = sorted(set(overrides) - set(spec.platforms))
            if unknown:
                raise CampaignError(
                    f"--base-url names {', '.join(unknown)}, not platforms of {spec.name}"
                )
            profiles = bound_profiles(settings, spec)
            run = session.get(CampaignRun, run_id) if run_id is not None else None
            if run_id is not None and run is None:
                raise CampaignError(f"no run {run_id}")
            if run is None:
                run = CampaignRun(campaign_id=row.id, trigger="manual", host=worker.split(":")[0])
                session.add(run)
            elif run.campaign_id != row.id:
                raise CampaignError(f"run {run.id} belongs to another campaign")
            elif run.status in {RunStatus.succeeded, RunStatus.failed, RunStatus.cancelled}:
                raise CampaignError(f"run {run.id} is already {run.status.value}")
            run.status = RunStatus.running
            run.started_at = run.started_at or utcnow()
            run.pid = run.pid or os.getpid()
            run.robots_override = not spec.obey_robots
            session.flush()
            log_to_file = run.log_path is None
            if log_to_file:
                run.log_path = str((settings.data_dir / "logs" / f"run-{run.id}.log").resolve())
            active = dict(run.stats or {})
            active["workers_active"] = int(active.get("workers_active", 0)) + 1
            run.stats = active
            the_run_id, log_path = run.id, Path(str(run.log_path))
    except (CampaignError, ProfileError) as exc:
        fail(str(exc))

    options = RunOptions(
        database_url=settings.resolved_database_url,
        run_id=the_run_id,
        campaign_id=row.id,
        allow_private=settings.allow_private_networks,
        capture=spec.capture and not no_capture,
        evidence={
            "root": str(settings.resolved_evidence_dir.resolve()),
            "key_dir": str(settings.resolved_key_dir.resolve()),
            "operator": settings.operator,
            "chromium_path": settings.chromium_path,
            "concurrency": settings.capture_concurrency,
            "max_pending": settings.capture_max_pending,
        },
        jobdir=jobdir.resolve() if jobdir else None,
        redis_url=settings.redis_url,
        chromium_path=settings.chromium_path,
        log_file=log_path if log_to_file else None,
        log_level=settings.log_level,
        rules_dir=settings.rules_dir,
        classify_threshold=settings.classify_threshold,
        overrides={
            "LANTIAN_SAMPLES_DIR": str((settings.data_dir / "samples").resolve()),
            **({"LANTIAN_URL_LOG": str(url_log)} if url_log else {}),
            **({"LANTIAN_REPLAY": str(replay.resolve())} if replay else {}),
        },
    )
    err.print(
        f"crawling {spec.name} (run {the_run_id}) on {', '.join(spec.platforms)}; log: {log_path if log_to_file else 'stderr'}"
    )
    result = _run_with_progress(spec, profiles, options)

    reasons = set(result.finish_reasons.values())
    with session_scope(sessions) as session:
        run = session.get(CampaignRun, the_run_id)
        assert run is not None
        stats = _merge_worker_stats(run.stats or {}, worker, result)
        stats["workers_active"] = max(0, int((run.stats or {}).get("workers_active", 1)) - 1)
        stats["finish_reasons"] = result.finish_reasons
        run.stats = stats
        # Workers sharing a Redis frontier share the run: the last one out decides it.
        last = stats["workers_active"] == 0
        run_pages = int(stats.get("lantian/pages", 0))
        if run_pages == 0:
            status, error = RunStatus.failed, f"nothing could be fetched: {_why_nothing(result)}"
        elif reasons and reasons <= {"shutdown", "cancelled"}:
            status, error = RunStatus.cancelled, "stopped by a signal"
        else:
            status, error = RunStatus.succeeded, None
        if last:
            run.status = status if run.status is RunStatus.running else run.status
            run.finished_at = utcnow()
            run.error = error
        else:
            status = run.status
    engine.dispose()
    summary = {
        "run_id": the_run_id,
        "campaign": spec.name,
        "status": status.value,
        "seconds": round(result.seconds, 2),
        **{k: result.total(k) for k in ("pages", "items", "flagged", "stored", "errors")},
        "finish_reasons": result.finish_reasons,
        "peak_rss_kb": result.peak_rss_kb,
    }
    out.print(json.dumps(summary, ensure_ascii=False), markup=False)
    if last and status is RunStatus.failed:
        fail(error or "the crawl failed", EXIT_CHECK_FAILED)


def _run_with_progress(
    spec: CampaignSpec, profiles: list[Profile], options: RunOptions
) -> RunResult:
    title = f"{spec.name}: {', '.join(p.key for p in profiles)}"
    if err.is_terminal:
        with Live(console=err, refresh_per_second=4, transient=False) as live:

            def tick(totals: dict[str, int], seconds: float) -> None:
                live.update(_progress_table(totals, seconds, title))

            return run_campaign(spec, profiles, options, on_tick=tick)
    last = [0.0]

    def line(totals: dict[str, int], seconds: float) -> None:
        now = time.monotonic()
        if now - last[0] >= 5.0:
            last[0] = now
            rate = totals["pages"] / seconds if seconds else 0.0
            print(
                f"[{seconds:6.0f}s] pages={totals['pages']} items={totals['items']} "
                f"flagged={totals['flagged']} stored={totals['stored']} errors={totals['errors']} "
                f"rate={rate:.1f}/s",
                file=sys.stderr,
                flush=True,
            )

    return run_campaign(spec, profiles, options, on_tick=line)


@campaigns_app.command("list")
def list_campaigns(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Campaigns in the database and built-in YAML files not imported yet."""
    settings = settings_or_exit()
    with migrated_session(settings) as session:
        rows = session.scalars(select(Campaign).order_by(Campaign.name)).all()
        items = [
            {
                "name": r.name,
                "source": "database",
                "platforms": r.platforms,
                "keywords": len(r.keywords),
                "schedule": r.schedule_cron
                or (f"every {r.schedule_interval_s}s" if r.schedule_interval_s else ""),
                "paused": r.paused,
            }
            for r in rows
        ]
    names = {i["name"] for i in items}
    for name, path in builtin_campaigns().items():
        if name not in names:
            try:
                spec = load_campaign_file(path)
            except CampaignError as exc:
                err.print(f"[yellow]skipped[/] {exc}")
                continue
            items.append(
                {
                    "name": spec.name,
                    "source": str(path),
                    "platforms": spec.platforms,
                    "keywords": len(spec.keywords),
                    "schedule": spec.schedule.cron or "",
                    "paused": False,
                }
            )
    if as_json:
        for item in items:
            out.print(json.dumps(item, ensure_ascii=False), markup=False)
        return
    table = Table("name", "source", "platforms", "keywords", "schedule", "paused")
    for i in items:
        table.add_row(
            *(
                str(i[k]) if k != "platforms" else ", ".join(map(str, i[k]))  # type: ignore[call-overload]
                for k in ("name", "source", "platforms", "keywords", "schedule", "paused")
            )
        )
    out.print(table)


@campaigns_app.command("import")
def import_campaign(path: Annotated[Path, typer.Argument(help="campaign YAML file")]) -> None:
    """Create or update a database campaign from a YAML file (its profiles must exist)."""
    settings = settings_or_exit()
    try:
        spec = load_campaign_file(path)
        for key in spec.platforms:
            get_profile(settings.profiles_dir, key)
    except (CampaignError, ProfileError) as exc:
        fail(str(exc))
    with migrated_session(settings) as session:
        row = upsert_campaign(session, spec)
        out.print(json.dumps({"name": row.name, "id": row.id}, ensure_ascii=False), markup=False)
