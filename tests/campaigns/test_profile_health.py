"""Drift and blocks: a broken selector and a CAPTCHA wall are recorded on the run and alerted.

Real crawls of the sandbox in subprocesses; the alert goes to a real webhook
receiver on loopback through the run digest (``campaigns.alerts``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from campaigns.alerts import send_run_digest
from campaigns.supervisor import dispose_engines
from lantian.config import PROJECT_ROOT, Settings, load_settings
from tests.campaigns.test_alerts import Receiver
from tests.crawler.conftest import CrawlResult, run_crawl, write_campaign

pytestmark = [pytest.mark.slow]


@pytest.fixture(autouse=True, scope="function")
def fresh_sandbox(sandbox: Any) -> Iterator[None]:
    """The sandbox is shared: leave its transient-failure counters as other crawls expect."""
    yield
    sandbox.reset()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def _problems(result: CrawlResult) -> list[dict[str, Any]]:
    with sqlite3.connect(result.db) as conn:
        conn.row_factory = sqlite3.Row
        rows = conn.execute(
            "select * from run_problems where run_id = ? order by id", (result.summary["run_id"],)
        ).fetchall()
    return [dict(r) for r in rows]


def _page_kinds_and_urls(result: CrawlResult) -> list[tuple[str, str]]:
    with sqlite3.connect(result.db) as conn:
        return list(conn.execute("select page_kind, url from listings"))


def _alert(result: CrawlResult, receiver: Receiver, data_dir: Path) -> dict[str, Any]:
    settings: Settings = load_settings(
        data_dir=data_dir,
        alert_webhook_urls=[receiver.url],
        allow_private_networks=True,
    )
    try:
        assert send_run_digest(settings, result.summary["run_id"]) is not None
    finally:
        dispose_engines()
    assert len(receiver.bodies) == 1
    return receiver.bodies[0]


def test_a_captcha_page_is_recorded_as_blocked_and_alerted(
    sandbox: Any, tmp_path: Path, receiver: Receiver
) -> None:
    keywords = ["验证码", "验证码 专利", "验证码 商标", "验证码 代理"]
    campaign = write_campaign(
        tmp_path / "captcha.yaml", {"sousou": sandbox.urls["sousou"]}, keywords=keywords
    )
    result = run_crawl(campaign, tmp_path / "var")
    assert result.returncode == 0, result.stderr[-3000:]

    problems = _problems(result)
    assert [(p["kind"], p["platform"], p["page_type"]) for p in problems] == [
        ("blocked", "sousou", "results")
    ]
    assert problems[0]["count"] >= 3, "every block page is counted"
    assert result.summary["finish_reasons"] == {"sousou": "blocked"}
    stats = result.run_row()["stats"]
    assert stats["lantian/backoff_seconds"] == 0.5 + 1.0, "it paused 0.5 s, then 1 s"
    assert problems[0]["message"].startswith("blocked: sousou.results: 搜搜安全验证 on ")
    assert "/verify?" in problems[0]["url"]
    sample = Path(problems[0]["sample_path"])
    assert "请输入验证码" in sample.read_text(encoding="utf-8")
    assert not any("/verify" in url for _, url in _page_kinds_and_urls(result)), (
        "a CAPTCHA page is never a listing"
    )

    body = _alert(result, receiver, tmp_path / "var")
    assert body["summary"]["problems"] == 1
    assert body["problems"][0]["kind"] == "blocked"
    assert body["problems"][0]["message"] == problems[0]["message"]


def test_a_broken_selector_is_recorded_as_drift_and_alerted(
    sandbox: Any, tmp_path: Path, receiver: Receiver
) -> None:
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    data = yaml.safe_load((PROJECT_ROOT / "spiders/profiles/sousou.yaml").read_text("utf-8"))
    broken = ".results .result-title-renamed a::attr(href)"
    data["pages"]["results"]["follow"][0]["links"] = broken
    (profiles / "sousou.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    campaign = write_campaign(
        tmp_path / "drift.yaml",
        {"sousou": sandbox.urls["sousou"]},
        keywords=["评职称", "挂靠", "专利"],
    )
    result = run_crawl(campaign, tmp_path / "var", LANTIAN_PROFILES_DIR=str(profiles))
    assert result.returncode == 0, result.stderr[-3000:]

    problems = _problems(result)
    assert [(p["kind"], p["page_type"]) for p in problems] == [("broken", "results")]
    message = problems[0]["message"]
    assert message.startswith(f"profile broken: sousou.results: follow[landing]: {broken}")
    assert "matched nothing on " + sandbox.urls["sousou"] in message
    assert problems[0]["count"] >= 3
    assert Path(problems[0]["sample_path"]).stat().st_size > 0
    stats = result.run_row()["stats"]
    assert stats.get("lantian/problems/broken", 0) >= 3

    body = _alert(result, receiver, tmp_path / "var")
    assert [p["kind"] for p in body["problems"]] == ["broken"]
    assert "profile broken: sousou.results" in json.dumps(body, ensure_ascii=False)


@pytest.mark.browser
def test_the_shipped_profiles_are_not_reported(sandbox: Any, tmp_path: Path) -> None:
    """A crawl of every sandbox platform with the working profiles records no problem, so the
    check tells a broken profile from a working one (landing, item and thread pages included)."""
    campaign = write_campaign(tmp_path / "fine.yaml", dict(sandbox.urls), keywords=["评职称"])
    result = run_crawl(campaign, tmp_path / "var")
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.summary["stored"] > 20
    assert _problems(result) == []
    stats = result.run_row()["stats"]
    assert not any(k.startswith("lantian/problems/") for k in stats), "not even one page"
