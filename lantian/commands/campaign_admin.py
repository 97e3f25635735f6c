"""``lantian campaigns create|edit|pause|resume|run-now|history|cancel``.

The ``lantian campaigns`` group itself (with ``list`` and ``import``) belongs to
the crawl commands; :func:`register` adds these to it.  Every change goes
through the crawler's ``CampaignSpec`` (what a crawl can run) and the
scheduler's schedule check, is written to the audit log, and reaches a
running scheduler at its next sync (``LANTIAN_SCHEDULER_SYNC_INTERVAL_S``).
"""

from __future__ import annotations

import getpass
import json
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.table import Table

from lantian.commands.common import settings_or_exit
from lantian.config import Settings
from lantian.console import EXIT_CHECK_FAILED, err, fail, out


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _base_urls(values: list[str]) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values:
        key, sep, url = value.partition("=")
        if not sep or not key or not url:
            fail(f"--base-url {value!r}: expected PLATFORM=URL")
        pairs[key.strip()] = url.strip()
    return pairs


def _save(settings: Settings, data: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """Validate ``data`` as a campaign, check its schedule, upsert it and audit the change."""
    from sqlalchemy import select

    from campaigns import (
        ScheduleError,
        campaign_problems,
        unit_of_work,
        upsert_campaign,
        validate_campaign,
        validate_schedule,
        validation_context,
    )
    from store import Campaign, upgrade
    from store.audit import record

    context = validation_context(settings.profiles_dir, settings.allow_private_networks)
    try:
        spec = validate_campaign(data, context)
    except ValidationError as exc:
        fail(f"campaign {data.get('name')!r}: {campaign_problems(exc)}")
    try:
        validate_schedule(spec.schedule.cron, spec.schedule.interval_s, spec.schedule.misfire)
    except ScheduleError as exc:
        fail(f"campaign {spec.name!r}: {exc}")
    from campaigns import engine_for

    upgrade(engine_for(settings))
    with unit_of_work(settings) as session:
        exists = session.scalar(select(Campaign.id).where(Campaign.name == spec.name)) is not None
        if creating and exists:
            fail(f"campaign {spec.name!r} exists; change it with `lantian campaigns edit`")
        row = upsert_campaign(session, spec)
        record(
            session,
            _actor(),
            "campaign.create" if creating else "campaign.update",
            "campaign",
            row.id,
            spec=spec.model_dump(mode="json"),
        )
        return {
            "id": row.id,
            "name": row.name,
            "schedule": spec.schedule.model_dump(),
            "paused": row.paused,
        }


def create(
    name: Annotated[str, typer.Argument(help="a unique name")],
    keyword: Annotated[
        list[str], typer.Option("--keyword", "-k", help="search keyword; repeatable")
    ],
    platform: Annotated[
        list[str], typer.Option("--platform", "-p", help="profile key; repeatable")
    ],
    base_url: Annotated[
        list[str] | None, typer.Option("--base-url", help="PLATFORM=URL; repeatable")
    ] = None,
    cron: Annotated[
        str | None, typer.Option(help="crontab schedule, UTC, e.g. '0 3 * * *'")
    ] = None,
    every: Annotated[
        int | None, typer.Option(help="run every N seconds instead of a cron schedule")
    ] = None,
    misfire: Annotated[
        str, typer.Option(help="run_once | skip | run_all: a run missed while down")
    ] = "run_once",
    description: Annotated[str, typer.Option()] = "",
    no_capture: Annotated[
        bool, typer.Option("--no-capture", help="do not capture evidence")
    ] = False,
) -> None:
    """Create a campaign (keywords x platforms x schedule); prints it as JSON."""
    data = {
        "name": name,
        "description": description,
        "keywords": keyword,
        "platforms": platform,
        "base_urls": _base_urls(base_url or []),
        "capture": not no_capture,
        "schedule": {"cron": cron, "interval_s": every, "misfire": misfire},
    }
    out.print(
        json.dumps(_save(settings_or_exit(), data, creating=True), ensure_ascii=False), markup=False
    )


def _current(settings: Settings, name: str) -> dict[str, Any]:
    from campaigns import (
        CampaignError,
        CampaignNotFound,
        find_campaign,
        spec_from_row,
        unit_of_work,
    )

    with unit_of_work(settings) as session:
        try:
            return spec_from_row(find_campaign(session, name)).model_dump(mode="json")
        except (CampaignNotFound, CampaignError) as exc:
            fail(str(exc))


def edit(
    name: Annotated[str, typer.Argument(help="campaign name or id")],
    keyword: Annotated[
        list[str] | None, typer.Option("--keyword", "-k", help="replace the keywords")
    ] = None,
    platform: Annotated[
        list[str] | None, typer.Option("--platform", "-p", help="replace the platforms")
    ] = None,
    base_url: Annotated[
        list[str] | None, typer.Option("--base-url", help="PLATFORM=URL; added")
    ] = None,
    cron: Annotated[str | None, typer.Option(help="new crontab schedule (clears --every)")] = None,
    every: Annotated[
        int | None, typer.Option(help="new interval in seconds (clears --cron)")
    ] = None,
    no_schedule: Annotated[
        bool, typer.Option("--no-schedule", help="run only when started by hand")
    ] = False,
    misfire: Annotated[str | None, typer.Option(help="run_once | skip | run_all")] = None,
    description: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Change a campaign; options not given stay as they are."""
    settings = settings_or_exit()
    data = _current(settings, name)
    if keyword:
        data["keywords"] = keyword
    if platform:
        data["platforms"] = platform
    if base_url:
        data["base_urls"] = {**data["base_urls"], **_base_urls(base_url)}
    if description is not None:
        data["description"] = description
    schedule = data["schedule"]
    if no_schedule:
        schedule.update(cron=None, interval_s=None)
    if cron is not None:
        schedule.update(cron=cron, interval_s=None)
    if every is not None:
        schedule.update(cron=None, interval_s=every)
    if misfire is not None:
        schedule["misfire"] = misfire
    out.print(json.dumps(_save(settings, data, creating=False), ensure_ascii=False), markup=False)


def _set_paused(name: str, paused: bool) -> None:
    from campaigns import CampaignNotFound, find_campaign, unit_of_work
    from store.audit import record

    settings = settings_or_exit()
    with unit_of_work(settings) as session:
        try:
            row = find_campaign(session, name)
        except CampaignNotFound as exc:
            fail(str(exc))
        row.paused = paused
        record(
            session, _actor(), "campaign.pause" if paused else "campaign.resume", "campaign", row.id
        )
        err.print(f"{row.name}: {'paused' if paused else 'resumed'}")


def pause(name: Annotated[str, typer.Argument(help="campaign name or id")]) -> None:
    """Stop scheduling a campaign (a run in progress goes on; cancel it with `cancel`)."""
    _set_paused(name, True)


def resume(name: Annotated[str, typer.Argument(help="campaign name or id")]) -> None:
    """Schedule a paused campaign again."""
    _set_paused(name, False)


def run_now(
    name: Annotated[str, typer.Argument(help="campaign name or id")],
    wait: Annotated[
        bool, typer.Option("--wait", help="wait for the run to end; exit 1 if it failed")
    ] = False,
    timeout: Annotated[
        float | None, typer.Option(help="with --wait: give up after this many seconds")
    ] = None,
) -> None:
    """Start a run now, in its own crawl process; prints the run as JSON."""
    from campaigns import (
        CampaignNotFound,
        RunAlreadyActive,
        RunTimeout,
        get_run,
        start_run,
        wait_run,
    )
    from store import RunStatus
    from store.audit import record

    settings = settings_or_exit()
    try:
        run_id = start_run(settings, name, trigger="manual")
    except CampaignNotFound as exc:
        fail(str(exc))
    except RunAlreadyActive as exc:
        fail(str(exc), EXIT_CHECK_FAILED)
    from campaigns import unit_of_work

    with unit_of_work(settings) as session:
        record(session, _actor(), "run.start", "campaign_run", run_id)
    info = get_run(settings, run_id)
    err.print(f"run {run_id} started (pid {info.pid}); log: {info.log_path}")
    if wait:
        try:
            info = wait_run(settings, run_id, timeout=timeout)
        except RunTimeout as exc:
            fail(str(exc), EXIT_CHECK_FAILED)
    out.print(json.dumps(_run_row(settings, info), ensure_ascii=False, default=str), markup=False)
    if wait and info.status is not RunStatus.succeeded:
        raise typer.Exit(EXIT_CHECK_FAILED)


def _run_row(settings: Settings, info: Any) -> dict[str, Any]:
    stats = info.stats or {}
    seconds = (
        (info.finished_at - info.started_at).total_seconds()
        if info.finished_at and info.started_at
        else None
    )
    return {
        "run_id": info.id,
        "campaign": info.campaign,
        "status": info.status.value,
        "trigger": info.trigger,
        "started_at": info.started_at.isoformat() if info.started_at else None,
        "seconds": round(seconds, 1) if seconds is not None else None,
        "pages": stats.get("lantian/pages", 0),
        "stored": stats.get("lantian/stored", 0),
        "new_listings": stats.get("lantian/listings_new", 0),
        "flagged": stats.get("lantian/flagged", 0),
        "capture_failed": stats.get("lantian/capture_failed", 0),
        "error": (info.error or "").splitlines()[0] if info.error else None,
        "log": info.log_path,
        "link": f"http://{settings.api_host}:{settings.api_port}/api/v1/runs/{info.id}",
    }


def history(
    name: Annotated[str, typer.Argument(help="campaign name or id")],
    limit: Annotated[int, typer.Option(help="how many runs, newest first")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines on stdout")] = False,
) -> None:
    """A campaign's runs, newest first: status, duration, pages, new and flagged listings, where to look."""
    from campaigns import CampaignNotFound, list_runs

    settings = settings_or_exit()
    try:
        rows = [_run_row(settings, info) for info in list_runs(settings, name, limit=limit)]
    except CampaignNotFound as exc:
        fail(str(exc))
    if as_json:
        for row in rows:
            out.print(json.dumps(row, ensure_ascii=False), markup=False)
        return
    table = Table(
        "run", "status", "trigger", "started (UTC)", "s", "pages", "new", "flagged", "error / link"
    )
    for r in rows:
        table.add_row(
            str(r["run_id"]),
            r["status"],
            r["trigger"],
            (r["started_at"] or "")[:19],
            str(r["seconds"] or ""),
            str(r["pages"]),
            str(r["new_listings"]),
            str(r["flagged"]),
            r["error"] or r["link"],
        )
    out.print(table)


def cancel(run_id: Annotated[int, typer.Argument(help="the run to stop")]) -> None:
    """Cancel a queued or running run (its crawl gets SIGTERM; its process group SIGKILL after 10 s)."""
    from campaigns import RunError, cancel_run, unit_of_work
    from store.audit import record

    settings = settings_or_exit()
    try:
        info = cancel_run(settings, run_id)
    except RunError as exc:
        fail(str(exc))
    with unit_of_work(settings) as session:
        record(session, _actor(), "run.cancel", "campaign_run", run_id)
    out.print(json.dumps(_run_row(settings, info), ensure_ascii=False, default=str), markup=False)


def register(campaigns: typer.Typer) -> None:
    """Add these commands to the ``lantian campaigns`` group."""
    campaigns.command("create")(create)
    campaigns.command("edit")(edit)
    campaigns.command("pause")(pause)
    campaigns.command("resume")(resume)
    campaigns.command("run-now")(run_now)
    campaigns.command("history")(history)
    campaigns.command("cancel")(cancel)


def campaigns_group() -> typer.Typer:
    """``lantian campaigns``: the crawl engineer's list/import plus the commands above."""
    from lantian.commands.crawl import campaigns_app

    if not any(info.name == "create" for info in campaigns_app.registered_commands):
        register(campaigns_app)
    return campaigns_app
