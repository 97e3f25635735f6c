"""Commands that open the database close it again: run in-process on SQLite and PostgreSQL,
they leave no connection behind for a later test to trip over (issue #18)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from lantian.cli import app
from lantian.config import Settings

runner = CliRunner()


def _run(*args: str, stdin: str | None = None) -> str:
    result = runner.invoke(app, list(args), input=stdin)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_database_commands_leave_nothing_open(
    settings: Settings, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANTIAN_DATABASE_URL", database_url)
    _run("db", "upgrade")
    _run(
        "users", "create", "ada", "--role", "reviewer", "--password-stdin", stdin="s3cret-pass-1\n"
    )
    _run("users", "password", "ada", "--password-stdin", stdin="s3cret-pass-2\n")
    assert "ada" in _run("users", "list")
    assert _run("index", "rebuild").strip() == "0"
    _run("agencies", "check")
