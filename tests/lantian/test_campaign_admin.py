"""`lantian campaigns create|edit|pause|resume|run-now|history`: validated, audited, seen by the scheduler."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from campaigns.scheduler import build_scheduler, sync_campaign_jobs
from campaigns.supervisor import dispose_engines
from lantian.cli import app
from lantian.config import Settings
from store.models import AuditEntry, Campaign, CampaignRun, RunStatus, utcnow

runner = CliRunner()


def _ok(*args: str) -> str:
    result = runner.invoke(app, ["campaigns", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_campaign_lifecycle_from_the_cli(settings: Settings) -> None:
    created = json.loads(
        _ok(
            "create",
            "蓝天-cli",
            "-k",
            "专利代理",
            "-k",
            "包授权",
            "-p",
            "zhiquanba",
            "--base-url",
            "zhiquanba=http://127.0.0.1:9",
            "--every",
            "600",
        )
    )
    assert created["schedule"]["interval_s"] == 600
    assert (
        runner.invoke(
            app, ["campaigns", "create", "蓝天-cli", "-k", "x", "-p", "zhiquanba"]
        ).exit_code
        == 2
    )

    edited = json.loads(_ok("edit", "蓝天-cli", "--cron", "0 3 * * *", "--misfire", "skip"))
    assert edited["schedule"] == {"cron": "0 3 * * *", "interval_s": None, "misfire": "skip"}
    bad = runner.invoke(app, ["campaigns", "edit", "蓝天-cli", "--cron", "every day"])
    assert bad.exit_code == 2 and "schedule_cron" in bad.stderr
    bad = runner.invoke(app, ["campaigns", "edit", "蓝天-cli", "--misfire", "sometimes"])
    assert bad.exit_code == 2 and "misfire" in bad.stderr

    scheduler = build_scheduler(settings)
    scheduler.start(paused=True)
    try:
        assert sync_campaign_jobs(scheduler, settings).added == [f"campaign:{created['id']}"]
        _ok("pause", "蓝天-cli")
        assert sync_campaign_jobs(scheduler, settings).removed == [f"campaign:{created['id']}"]
        _ok("resume", "蓝天-cli")
        assert sync_campaign_jobs(scheduler, settings).added == [f"campaign:{created['id']}"]
    finally:
        scheduler.shutdown(wait=False)
    jobs = runner.invoke(app, ["scheduler", "jobs", "--json"])
    assert jobs.exit_code == 0, jobs.output
    [job] = [json.loads(line) for line in jobs.stdout.splitlines()]
    assert job["id"] == f"campaign:{created['id']}" and job["trigger"].startswith("cron[")
    assert job["coalesce"] is True and job["misfire_grace_time"] == 60  # the "skip" policy

    from campaigns.record import unit_of_work

    with unit_of_work(settings) as session:
        assert isinstance(session, Session)
        campaign = session.scalar(select(Campaign).where(Campaign.name == "蓝天-cli"))
        assert campaign is not None and campaign.limits["base_urls"] == {
            "zhiquanba": "http://127.0.0.1:9"
        }
        session.add(
            CampaignRun(
                campaign_id=campaign.id,
                status=RunStatus.succeeded,
                trigger="schedule",
                started_at=utcnow(),
                finished_at=utcnow(),
                stats={"lantian/pages": 26, "lantian/flagged": 13, "lantian/listings_new": 18},
            )
        )
        session.add(
            CampaignRun(
                campaign_id=campaign.id,
                status=RunStatus.running,
                trigger="manual",
                started_at=utcnow(),
            )
        )
        actions = [a for (a,) in session.execute(select(AuditEntry.action).order_by(AuditEntry.id))]
    assert actions == ["campaign.create", "campaign.update", "campaign.pause", "campaign.resume"]

    busy = runner.invoke(app, ["campaigns", "run-now", "蓝天-cli"])
    assert busy.exit_code == 1 and "already has run 2 running" in busy.stderr

    rows = [json.loads(line) for line in _ok("history", "蓝天-cli", "--json").splitlines()]
    assert [r["run_id"] for r in rows] == [2, 1]
    assert rows[0]["status"] == "running" and rows[1]["status"] == "succeeded"
    assert (rows[1]["pages"], rows[1]["flagged"], rows[1]["new_listings"]) == (26, 13, 18)
    assert rows[1]["link"].endswith("/api/v1/runs/1")
    dispose_engines()


def _create(*extra: str) -> tuple[int, str]:
    result = runner.invoke(app, ["campaigns", "create", "edge", "-k", "包授权", *extra])
    return result.exit_code, result.output


def test_cli_refuses_unknown_platforms_and_bad_base_urls(settings: Settings) -> None:
    code, output = _create("-p", "nosuchplatform")
    assert code == 2 and "nosuchplatform" in output and "zhiquanba" in output
    for url in ("file:///etc/passwd", "javascript:alert(1)", "ftp://example.com/"):
        code, output = _create("-p", "zhiquanba", "--base-url", f"zhiquanba={url}")
        assert code == 2 and "is not http or https" in output, output
    code, output = _create("-p", "zhiquanba", "--every", "9223372036854775808")
    assert code == 2 and "interval_s" in output
    code, output = _create("-p", "zhiquanba", "--cron", "* * *")
    assert code == 2 and "schedule_cron" in output
    dispose_engines()


def test_cli_refuses_private_base_urls_unless_allowed(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANTIAN_ALLOW_PRIVATE_NETWORKS", "false")
    for url in ("http://127.0.0.1:9", "http://10.0.0.5/", "http://[::1]/", "http://localhost:8080"):
        code, output = _create("-p", "zhiquanba", "--base-url", f"zhiquanba={url}")
        assert code == 2 and "allow_private_networks" in output, output
    code, output = _create("-p", "zhiquanba", "--base-url", "zhiquanba=https://93.184.216.34/")
    assert code == 0, output
    dispose_engines()
