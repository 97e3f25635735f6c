"""The project's programs run in a subprocess, as the tests that drive a whole program do."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


def run_command(
    args: Sequence[str], *, cwd: Path, env: Mapping[str, str] | None = None, timeout: float
) -> subprocess.CompletedProcess[str]:
    """Run ``args`` to the end, output captured as text; a failure is the caller's to judge."""
    return subprocess.run(
        list(args), cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def json_summary(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The JSON object a program prints last; it must have succeeded (its stderr's tail is
    the failure message)."""
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return summary
