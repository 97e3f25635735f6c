"""`lantian profiles check|verify|lint|list` through the real CLI, on real archived pages."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from lantian.cli import app
from lantian.config import PROJECT_ROOT, Settings

SERPS = PROJECT_ROOT.parent / "shared" / "real-pages" / "serps"
PROFILES = PROJECT_ROOT / "spiders" / "profiles"
REAL = {"baidu", "sogou", "bing", "jd", "so360"}

runner = CliRunner()
needs_pages = pytest.mark.skipif(
    not SERPS.is_dir(), reason=f"real archived pages not found at {SERPS}"
)


def _flat(text: str) -> str:
    """Console output without the line wrapping of a narrow terminal."""
    return " ".join(text.split())


def _lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


@pytest.fixture
def profiles(tmp_path: Path) -> Path:
    """A copy of the shipped profiles and their check records, to edit freely."""
    target = tmp_path / "profiles"
    shutil.copytree(PROFILES, target)
    return target


@needs_pages
def test_check_prints_results_links_and_next_page_of_a_real_page(settings: Settings) -> None:
    warc = SERPS / "360-1580014331.warc.gz"
    result = runner.invoke(app, ["profiles", "check", "so360", str(warc), "--json"])
    assert result.exit_code == 0, result.output
    reports = {r["page_type"]: r for r in _lines(result.stdout)}
    assert set(reports) == {"results", "landing"}
    serp = reports["results"]
    expected = json.loads((SERPS / "360-1580014331.expected.json").read_text("utf-8"))
    assert len(serp["results"]) >= len(expected["results"])
    assert {link["to"] for link in serp["links"]} == {"landing"}
    assert serp["next_page"]
    assert serp["empty"] == []
    assert "landing" in reports and reports["landing"]["empty"], "h1 is absent on a result page"


@needs_pages
def test_check_human_output_names_what_matched_nothing(settings: Settings) -> None:
    warc = SERPS / "jd-1368578723.warc.gz"
    result = runner.invoke(app, ["profiles", "check", "jd", str(warc), "--page-type", "search"])
    assert result.exit_code == 0, result.output
    assert "links followed: 72 -> item" in result.stdout
    assert "matched nothing: follow[shop]: li.gl-item .p-shop a::attr(href)" in result.stdout


def test_check_recognises_a_captcha_page_and_fails(settings: Settings, tmp_path: Path) -> None:
    page = tmp_path / "verify.html"
    page.write_text(
        "<html><head><title>百度安全验证</title></head><body><div class='vcode-body'>"
        "请完成下方验证后继续操作</div></body></html>",
        encoding="utf-8",
    )
    result = runner.invoke(
        app,
        ["profiles", "check", "baidu", str(page), "--url", "https://www.baidu.com/s?wd=x"],
    )
    assert result.exit_code == 1
    assert "blocked page: 百度安全验证" in result.stdout


def test_check_bad_input_exits_2(settings: Settings, tmp_path: Path) -> None:
    missing = runner.invoke(app, ["profiles", "check", "baidu", str(tmp_path / "nope.html")])
    assert missing.exit_code == 2
    assert "no such file" in _flat(missing.stderr)
    html = tmp_path / "a.html"
    html.write_text("<html></html>", encoding="utf-8")
    no_url = runner.invoke(app, ["profiles", "check", "baidu", str(html)])
    assert no_url.exit_code == 2
    assert "--url" in _flat(no_url.stderr)
    live = runner.invoke(app, ["profiles", "check", "baidu", "https://www.baidu.com/s?wd=x"])
    assert live.exit_code == 2
    assert "--fetch" in _flat(live.stderr)
    unknown = runner.invoke(app, ["profiles", "check", "nosuch", str(html)])
    assert unknown.exit_code == 2
    assert "no profile 'nosuch'" in _flat(unknown.stderr)


def test_list_shows_verified_only_with_a_passing_record(settings: Settings) -> None:
    result = runner.invoke(app, ["profiles", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["key"]: r for r in _lines(result.stdout)}
    assert {k for k, r in rows.items() if r["verified"]} == REAL
    for key in REAL:
        assert rows[key]["pages"] >= 7 and rows[key]["checked_at"]
    assert rows["taobao"]["why"] == "no recorded check against real pages"


def test_editing_a_profile_withdraws_its_verified_status(
    settings: Settings, profiles: Path
) -> None:
    path = profiles / "baidu.yaml"
    path.write_text(path.read_text("utf-8") + "\nnotes: edited\n", encoding="utf-8")
    result = runner.invoke(app, ["profiles", "list", "--json", "--profiles-dir", str(profiles)])
    rows = {r["key"]: r for r in _lines(result.stdout)}
    assert rows["baidu"]["verified"] is False
    assert rows["baidu"]["why"] == "profile changed since its check"


@needs_pages
def test_verify_records_a_check_and_fails_under_95_percent(
    settings: Settings, profiles: Path
) -> None:
    ok = runner.invoke(
        app,
        ["profiles", "verify", "sogou", str(SERPS), "--record", "--profiles-dir", str(profiles)],
    )
    assert ok.exit_code == 0, ok.output
    record = json.loads((profiles / "checks" / "sogou.json").read_text("utf-8"))
    assert len(record["pages"]) == 7 and all(p["coverage"] >= 0.95 for p in record["pages"])

    path = profiles / "sogou.yaml"
    path.write_text(path.read_text("utf-8").replace('"h3 a::attr(href)"', '"h4 a::attr(href)"'))
    broken = runner.invoke(
        app,
        ["profiles", "verify", "sogou", str(SERPS), "--record", "--profiles-dir", str(profiles)],
    )
    assert broken.exit_code == 1
    listed = runner.invoke(app, ["profiles", "list", "--json", "--profiles-dir", str(profiles)])
    rows = {r["key"]: r for r in _lines(listed.stdout)}
    assert rows["sogou"]["verified"] is False
    assert rows["sogou"]["why"].startswith("check failed")


def test_lint_passes_on_the_shipped_profiles_and_names_file_and_field(
    settings: Settings, profiles: Path
) -> None:
    ok = runner.invoke(app, ["profiles", "lint"])
    assert ok.exit_code == 0, ok.output
    (profiles / "jd.yaml").write_text(
        (profiles / "jd.yaml").read_text("utf-8").replace('title: "京东-欢迎登录"', 'titel: "x"')
    )
    (profiles / "taobao.yaml").write_text(
        (profiles / "taobao.yaml").read_text("utf-8").replace("verified: false", "verified: true")
    )
    bad = runner.invoke(app, ["profiles", "lint", "--profiles-dir", str(profiles)])
    assert bad.exit_code == 2
    assert "jd.yaml: blocked.1" in _flat(bad.stderr)
    assert "taobao.yaml: verified: true but no recorded check" in _flat(bad.stderr)


def test_check_fetches_a_live_page_only_when_allowed(
    settings: Settings, sandbox: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = sandbox.urls["sousou"] + "/s?wd=%E8%AF%84%E8%81%8C%E7%A7%B0"
    result = runner.invoke(
        app, ["profiles", "check", "sousou", url, "--fetch", "--page-type", "results", "--json"]
    )
    assert result.exit_code == 0, result.output
    [report] = _lines(result.stdout)
    assert report["links"] and {link["to"] for link in report["links"]} == {"landing"}
    assert report["next_page"] and report["empty"] == []

    from lantian.config import get_settings

    monkeypatch.setenv("LANTIAN_ALLOW_PRIVATE_NETWORKS", "false")
    get_settings.cache_clear()
    refused = runner.invoke(app, ["profiles", "check", "sousou", url, "--fetch"])
    assert refused.exit_code == 2
    assert "is not a public address" in _flat(refused.stderr)
