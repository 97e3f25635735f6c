"""``lantian crawl CAMPAIGN`` and ``lantian campaigns ...``."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.live import Live
from rich.table import Table
from sqlalchemy import select

from campaigns import (
    CampaignError,
    CampaignSpec,
    ClaimedRun,
    RunError,
    adjust_spec,
    builtin_campaigns,
    claim_run,
    conclude_run,
    load_campaign_file,
    resolve_campaign,
    upsert_campaign,
)
from crawler import RunOptions, RunResult, classifier_started, run_campaign, worker_id
from lantian.commands.common import migrated_session, settings_or_exit
from lantian.config import Settings
from lantian.console import EXIT_CHECK_FAILED, err, fail, out
from spiders import Profile, ProfileError, bind_base, get_profile
from store import Campaign, RunStatus, engine_scope, make_sessionmaker, session_scope

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
        from spiders import warc_files

        if not replay.exists() or not warc_files(replay):
            fail(f"--replay {replay}: no WARC file there (*.warc, *.warc.gz)")
    try:
        overrides = parse_base_urls(base_url or [])
    except typer.BadParameter as exc:
        fail(str(exc))
    worker = worker_id()
    # the classification worker loads its rules and jieba while the database is migrated
    with (
        classifier_started(run_options(settings, None, 0, capture=False)),
        engine_scope(settings.resolved_database_url, migrate=True) as engine,
    ):
        sessions = make_sessionmaker(engine)
        try:
            with session_scope(sessions) as session:
                spec, row = resolve_campaign(session, campaign)
                spec = adjust_spec(spec, overrides, ignore_robots)
                profiles = bound_profiles(settings, spec)
                claimed = claim_run(
                    session,
                    row,
                    run_id,
                    host=worker.split(":")[0],
                    obey_robots=spec.obey_robots,
                    logs=settings.data_dir / "logs",
                )
        except (CampaignError, ProfileError, RunError) as exc:
            fail(str(exc))
        options = run_options(settings, claimed, row.id, spec.capture and not no_capture)
        options.jobdir = jobdir.resolve() if jobdir else None
        options.overrides.update(_extra_overrides(url_log, replay))
        err.print(
            f"crawling {spec.name} (run {claimed.run_id}) on {', '.join(spec.platforms)}; "
            f"log: {claimed.log_path if claimed.log_to_file else 'stderr'}"
        )
        result = _run_with_progress(spec, profiles, options)
        with session_scope(sessions) as session:
            end = conclude_run(session, claimed.run_id, worker, result)
    summary = _summary(claimed.run_id, spec.name, end.status, result)
    out.print(json.dumps(summary, ensure_ascii=False), markup=False)
    if end.last and end.status is RunStatus.failed:
        fail(end.error or "the crawl failed", EXIT_CHECK_FAILED)


def _extra_overrides(url_log: Path | None, replay: Path | None) -> dict[str, str]:
    return {
        **({"LANTIAN_URL_LOG": str(url_log)} if url_log else {}),
        **({"LANTIAN_REPLAY": str(replay.resolve())} if replay else {}),
    }


def _summary(run_id: int, campaign: str, status: RunStatus, result: RunResult) -> dict[str, Any]:
    """The JSON line ``lantian crawl`` prints on stdout."""
    return {
        "run_id": run_id,
        "campaign": campaign,
        "status": status.value,
        "seconds": round(result.seconds, 2),
        **{k: result.total(k) for k in ("pages", "items", "flagged", "stored", "errors")},
        "finish_reasons": result.finish_reasons,
        "peak_rss_kb": result.peak_rss_kb,
        "worker_peak_rss_kb": result.worker_peak_rss_kb,
    }


def run_options(
    settings: Settings, claimed: ClaimedRun | None, campaign_id: int, capture: bool
) -> RunOptions:
    """What the in-process crawl needs from the settings, as values (with no run claimed yet,
    what the classification worker needs)."""
    return RunOptions(
        database_url=settings.resolved_database_url,
        run_id=claimed.run_id if claimed else None,
        campaign_id=campaign_id,
        allow_private=settings.allow_private_networks,
        capture=capture,
        evidence={
            "root": str(settings.resolved_evidence_dir.resolve()),
            "key_dir": str(settings.resolved_key_dir.resolve()),
            "operator": settings.operator,
            "chromium_path": settings.chromium_path,
            "concurrency": settings.capture_concurrency,
            "max_pending": settings.capture_max_pending,
            "isolation": settings.capture_isolation,
            "tsa_url": settings.tsa_url,
        },
        redis_url=settings.redis_url,
        redis_key_prefix=settings.redis_key_prefix,
        chromium_path=settings.chromium_path,
        log_file=claimed.log_path if claimed and claimed.log_to_file else None,
        log_level=settings.log_level,
        rules_dir=settings.rules_dir,
        classify_threshold=settings.classify_threshold,
        overrides={
            "LANTIAN_SAMPLES_DIR": str((settings.data_dir / "samples").resolve()),
            "LANTIAN_SEARCH": {
                "data_dir": str(settings.data_dir.resolve()),
                "rules_dir": str(settings.rules_dir),
                "elasticsearch_url": settings.elasticsearch_url,
            },
        },
    )


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
