from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crawler.settings import browser_settings
from lantian.cli import app
from lantian.config import ConfigError, load_settings, mask_url_password


def test_defaults_then_toml_then_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for key in ("LANTIAN_CLASSIFY_THRESHOLD", "LANTIAN_OPERATOR", "LANTIAN_CONFIG"):
        monkeypatch.delenv(key, raising=False)
    assert load_settings().classify_threshold == 0.5
    (tmp_path / "lantian.toml").write_text(
        '[lantian]\nclassify_threshold = 0.7\noperator = "张三"\n', encoding="utf-8"
    )
    settings = load_settings()
    assert settings.classify_threshold == 0.7 and settings.operator == "张三"
    monkeypatch.setenv("LANTIAN_CLASSIFY_THRESHOLD", "0.8")
    assert load_settings().classify_threshold == 0.8


def test_unknown_key_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lantian.toml").write_text("classify_treshold = 0.7\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="classify_treshold"):
        load_settings()


def test_corrupt_toml_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lantian.toml").write_text("classify_threshold = = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="lantian.toml: not valid TOML"):
        load_settings()


def test_bad_value_names_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LANTIAN_API_PORT", "not-a-port")
    with pytest.raises(ConfigError, match="api_port"):
        load_settings()


def test_config_show_masks_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LANTIAN_DATABASE_URL", "postgresql://lantian:hunter2@db/lantian")
    monkeypatch.setenv("LANTIAN_SECRET_KEY", "topsecret")
    result = CliRunner().invoke(app, ["config", "show", "--json"])
    assert result.exit_code == 0, result.output
    assert "hunter2" not in result.output and "topsecret" not in result.output
    assert "postgresql://lantian:***@db/lantian" in result.output


def test_config_show_reports_corrupt_config_with_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lantian.toml").write_text("nonsense_key = 1\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["config", "show"])
    assert result.exit_code == 2
    assert "nonsense_key" in result.output


def test_mask_url_password_leaves_plain_urls() -> None:
    assert mask_url_password("sqlite:///var/x.db") == "sqlite:///var/x.db"
    assert mask_url_password("redis://:pw@h:6379/0") == "redis://:***@h:6379/0"


@pytest.mark.parametrize("command", [["config", "show"], ["users", "list"], ["db", "upgrade"]])
@pytest.mark.parametrize("source", ["toml", "env"])
def test_a_bad_database_url_exits_2_naming_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str], source: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LANTIAN_CONFIG", raising=False)
    if source == "toml":
        (tmp_path / "lantian.toml").write_text('database_url = "not a url"\n', encoding="utf-8")
    else:
        monkeypatch.setenv("LANTIAN_DATABASE_URL", "foo://bar")
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 2, result.output
    assert "database_url" in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_bad_database_url_in_a_real_process(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("LANTIAN_")}
    env["LANTIAN_DATABASE_URL"] = "postgresql://lantian:hunter2@db:notaport/x"
    done = subprocess.run(
        [sys.executable, "-m", "lantian", "users", "list"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "database_url" in done.stderr and "Traceback" not in done.stderr
    assert "hunter2" not in done.stderr


@pytest.mark.parametrize(
    "url", ["sqlite:///var/x.db", "postgresql://u@h/db", "postgresql+psycopg://u@h:5433/db"]
)
def test_good_database_urls_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LANTIAN_DATABASE_URL", url)
    assert load_settings().database_url == url


def _fake_browser(folder: Path, name: str) -> Path:
    path = folder / name
    path.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    path.chmod(0o755)
    return path


def test_the_headless_shell_is_preferred_over_the_full_chromium(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for key in ("LANTIAN_CHROMIUM_PATH", "LANTIAN_CONFIG"):
        monkeypatch.delenv(key, raising=False)
    full = _fake_browser(tmp_path, "chromium")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert load_settings().chromium_path == str(full)
    shell = _fake_browser(tmp_path, "chromium-headless-shell")
    assert load_settings().chromium_path == str(shell)
    monkeypatch.setenv("LANTIAN_CHROMIUM_PATH", str(full))
    assert load_settings().chromium_path == str(full)  # an explicit setting still wins


def test_this_machine_captures_and_crawls_with_its_headless_shell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shell = shutil.which("chromium-headless-shell")
    if shell is None:
        reason = "chromium-headless-shell is not installed here (apt-get install it)"
        print(f"skipped: {reason}")
        pytest.skip(reason)
    monkeypatch.chdir(tmp_path)
    for key in ("LANTIAN_CHROMIUM_PATH", "LANTIAN_CONFIG"):
        monkeypatch.delenv(key, raising=False)
    settings = load_settings()
    assert settings.chromium_path == shell
    launch = browser_settings(settings.chromium_path, allow_private=False)
    assert launch["PLAYWRIGHT_LAUNCH_OPTIONS"]["executable_path"] == shell
