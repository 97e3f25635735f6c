"""``lantian bench capture --concurrency N``: captures/min at N against 1 in the same run,
every capture verified complete and intact."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from lantian.commands.bench import app
from lantian.config import Settings

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_bench_capture_prints_ratio(settings: Settings, chromium: str) -> None:
    result = CliRunner().invoke(app, ["capture", "--pages", "3", "--concurrency", "2"])
    assert result.exit_code == 0, result.output
    line = r"concurrency\s+{n}\s+([\d.]+) captures/min\s+\(3 ok, 0 failed.*verified 3/3.*ratio vs 1: ([\d.]+)x"
    one = re.search(line.format(n=1), result.stdout)
    two = re.search(line.format(n=2), result.stdout)
    assert one and two, result.stdout
    assert float(one.group(2)) == 1.0
    assert float(two.group(2)) == pytest.approx(float(two.group(1)) / float(one.group(1)), rel=0.02)
    assert re.search(r"(\d+) KiB/capture", result.stdout)
    steps = re.search(r"mean ms per step: (.*)", result.stdout)
    assert steps and all(s in steps.group(1) for s in ("navigate", "screenshot", "sign"))
    assert re.search(r"best: concurrency [12], [\d.]+ captures/min", result.stdout)
