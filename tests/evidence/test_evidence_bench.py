"""``lantian bench capture`` prints both arms and the ratio, measured in the same run."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from lantian.commands.bench import app
from lantian.config import Settings

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_bench_capture_prints_ratio(settings: Settings, chromium: str) -> None:
    result = CliRunner().invoke(app, ["capture", "--pages", "2"])
    assert result.exit_code == 0, result.output
    reuse = re.search(
        r"one browser, reused\s+([\d.]+) captures/min\s+\(2 ok, 0 failed", result.stdout
    )
    fresh = re.search(
        r"new browser per page\s+([\d.]+) captures/min\s+\(2 ok, 0 failed", result.stdout
    )
    ratio = re.search(r"ratio \(reuse / new browser per page\): ([\d.]+)x", result.stdout)
    assert reuse and fresh and ratio
    assert float(ratio.group(1)) == pytest.approx(
        float(reuse.group(1)) / float(fresh.group(1)), rel=0.02
    )
    assert re.search(r"(\d+) KiB/capture", result.stdout)
