"""The README's main job, end to end: `lantian demo --no-serve --json` on the sandbox.

A smaller campaign than the demo's own (two keywords, one level deep) keeps it
inside the suite's budget; everything else is the real thing: the sandbox over
HTTP, a crawl in its own process, the classifier, evidence captured with
Chromium, the simulated first review pass, draft notices, and the evidence
store verified afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.commands import json_summary, run_command

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.timeout(660)  # the demo subprocess itself may take up to 600 s on a loaded machine
def test_demo_runs_the_main_job_and_prints_the_summary(tmp_path: Path) -> None:
    campaign = tmp_path / "e2e.yaml"
    campaign.write_text(
        yaml.safe_dump(
            {
                "name": "e2e",
                "keywords": ["挂靠", "包授权"],
                "platforms": ["sousou", "taobaobei", "zhiquanba"],
                "limits": {"depth": 1, "pages": 2},
                "capture": True,
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("LANTIAN_")}
    env["LANTIAN_DATA_DIR"] = str(tmp_path / "var")
    cmd = [sys.executable, "-m", "lantian", "demo", "--no-serve", "--json", "--sandbox-port", "0"]
    proc = run_command([*cmd, "--campaign", str(campaign)], cwd=tmp_path, env=env, timeout=600)
    summary = json_summary(proc)
    assert {"listings", "flagged", "evidence", "notices", "precision", "recall"} <= summary.keys()
    assert summary["listings"] > 0 and summary["flagged"] > 0
    assert summary["evidence"] >= summary["flagged"] * 0.9, summary
    assert summary["notices"] > 0
    assert summary["precision"] >= 0.9 and summary["recall"] >= 0.9, summary
    phases = summary["phases_s"]
    assert list(phases)[:3] == ["sandbox", "database", "crawl"] and "total" in phases
    assert phases["crawl"] <= phases["total"]
    assert sum(v for k, v in phases.items() if k != "total") <= phases["total"] + 0.5
    assert summary["crawl"]["captured"] == summary["evidence"]
    assert summary["crawl"]["capture_mean_ms"]["navigate"] > 0
    assert "phase timings (s):" in proc.stderr, "the demo prints its own phase timings"

    verify = subprocess.run(
        [sys.executable, "-m", "lantian", "evidence", "verify"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert verify.returncode == 0, verify.stdout[-2000:] + verify.stderr[-2000:]
