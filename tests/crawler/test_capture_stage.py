"""The capture stage in a real crawl: captures beside the crawl, bounded, timed, verifiable."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from evidence.timing import CAPTURE_STEPS, VAULT_STEPS
from tests.crawler.conftest import crawl_env, run_crawl, write_campaign

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_captures_stay_within_the_pending_bound_timed_and_verifiable(
    sandbox: Any, tmp_path: Path
) -> None:
    campaign = write_campaign(
        tmp_path / "bounded.yaml",
        {"zhiquanba": sandbox.urls["zhiquanba"]},
        keywords=["挂靠"],
        capture=True,
        max_requests=8,
    )
    data = tmp_path / "var"
    result = run_crawl(
        campaign,
        data,
        capture=True,
        timeout=240,
        LANTIAN_CAPTURE_CONCURRENCY="2",
        LANTIAN_CAPTURE_MAX_PENDING="2",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    stats = result.run_row()["stats"]
    with sqlite3.connect(result.db) as conn:
        flagged = conn.execute("select count(*) from listings where status = 'flagged'").fetchone()
        rows = conn.execute("select timings_ms, isolation from evidence_captures").fetchall()
    assert flagged[0] >= 2, "the keyword should reach several flagged threads"
    assert len(rows) == flagged[0] == stats["lantian/captured"]
    assert 1 <= stats["lantian/capture_pending_max"] <= 2, "never more than N pending"
    for raw, isolation in rows:
        steps = json.loads(raw)
        assert set(CAPTURE_STEPS) | set(VAULT_STEPS) <= set(steps)
        assert isolation == "reused", "the crawl's default: warm profiles wiped between captures"
    for step in ("navigate", "screenshot", "sign"):
        assert stats[f"lantian/capture_ms/{step}"] > 0, "run stats total each step"
    assert stats["lantian/crawl_paused_s"] >= 0
    # two slots and two spares, reused: a new profile only to replace a retired one
    retired = stats.get("lantian/capture_profiles_retired", 0)
    assert 1 <= stats["lantian/capture_profiles_opened"] <= 4 + retired
    verify = subprocess.run(
        [sys.executable, "-m", "lantian", "evidence", "verify"],
        env=crawl_env(data),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
