"""`lantian doctor` on a machine without Chromium says so, how to install it, and exits 1."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from classifiers.native import compiled_modules, engine
from lantian.cli import app
from lantian.config import Settings
from lantian.doctor import (
    Status,
    check_classifier,
    check_database,
    check_disk,
    check_redis,
    check_search,
)
from store.db import upgrade_url


def test_doctor_without_chromium_says_how_to_install_it(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANTIAN_CHROMIUM_PATH", "/nonexistent/chromium")
    upgrade_url(settings.resolved_database_url)
    result = CliRunner().invoke(app, ["doctor", "--json"])
    assert result.exit_code == 1, result.output
    checks = {c["name"]: c for c in map(json.loads, result.stdout.splitlines())}
    browser = checks["browser"]
    assert browser["status"] == "fail" and browser["required"]
    assert "not found at /nonexistent/chromium" in browser["detail"]
    assert (
        "apt-get install chromium" in browser["fix"]
        and "playwright install chromium" in browser["fix"]
    )
    assert checks["database"]["status"] == "ok"
    assert "not ready: browser" in result.stderr

    table = CliRunner().invoke(app, ["doctor"])
    assert table.exit_code == 1
    browser_row = next(line for line in table.stdout.splitlines() if "browser" in line)
    assert "fail" in browser_row and "Chromium not found" in browser_row


def test_database_check_asks_for_the_migration(settings: Settings) -> None:
    before = check_database(settings)
    assert before.status is Status.fail and "lantian db upgrade" in before.fix
    upgrade_url(settings.resolved_database_url)
    assert check_database(settings).status is Status.ok


def test_services_that_are_down_are_named_with_a_fix(settings: Settings) -> None:
    # port 9 (discard) is closed on loopback
    down = settings.model_copy(
        update={"redis_url": "redis://127.0.0.1:9/0", "elasticsearch_url": "http://127.0.0.1:9"}
    )
    redis = check_redis(down)
    assert redis.status is Status.fail and "LANTIAN_REDIS_URL" in redis.fix
    search = check_search(down)
    assert search.status is Status.fail and "unset LANTIAN_ELASTICSEARCH_URL" in search.fix
    assert check_redis(settings).status is Status.skip and not check_redis(settings).blocking
    assert check_search(settings).status is Status.ok
    assert check_disk(settings).status in {Status.ok, Status.warn}


def test_redis_check_against_the_real_server(settings: Settings, redis_url: str) -> None:
    check = check_redis(settings.model_copy(update={"redis_url": redis_url}))
    assert check.status is Status.ok and "Redis" in check.detail


def test_classifier_check_names_the_engine(settings: Settings) -> None:
    """Compiled after ``make install``; interpreted (a warning with the fix) without a build."""
    check = check_classifier(settings)
    assert not check.blocking
    if engine() == "compiled":
        assert check.status is Status.ok
        assert check.detail == f"compiled ({len(compiled_modules())} modules)"
    else:
        assert check.status is Status.warn and "make install" in check.fix
