"""The capture browser uses Chromium's sandbox where the machine allows it, and says when not.

Chromium refuses its sandbox to root; as an ordinary user on this kernel
(unprivileged user namespaces allowed) it runs sandboxed.  The tests run as
root here, so the ordinary-user half runs the probe's command as ``nobody``
(whose account cannot reach this virtualenv's Python under /root).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile

import pytest
from evhelpers import BrowserThread
from typer.testing import CliRunner

from evidence.browser import sandbox_probe_command, sandbox_refusal
from evidence.capture import CaptureOptions, capture
from lantian.cli import app
from lantian.config import Settings

pytestmark = pytest.mark.browser


def test_root_falls_back_without_sandbox_and_records_it(
    browser: BrowserThread, site_url: str, chromium: str
) -> None:
    if os.geteuid() != 0:
        pytest.skip("runs as root only: Chromium refuses its sandbox to root, which is the case")
    problem = sandbox_refusal(chromium)
    assert problem is not None and "root" in problem
    assert not browser.pool.sandboxed and browser.pool.sandbox_problem == problem
    opts = CaptureOptions(allow_private_networks=True, attempts=1)
    result = browser.run(capture(browser.pool, site_url + "/zh.html", opts))
    assert result.environment["browser_sandbox"] is False
    assert "--no-sandbox" in result.environment["browser_args"]


def test_an_ordinary_user_gets_the_sandbox(chromium: str) -> None:
    """The probe's exact command succeeds as ``nobody``: there the pool launches sandboxed."""
    runuser = shutil.which("runuser")
    if os.geteuid() != 0 or runuser is None:
        pytest.skip("needs root and runuser to start the browser as another user")
    command = sandbox_probe_command(chromium)
    assert "--no-sandbox" not in command
    with tempfile.TemporaryDirectory(prefix="lantian-nobody-") as home:  # pytest's tmp is 0700
        shutil.chown(home, "nobody")
        done = subprocess.run(
            [runuser, "-u", "nobody", "--", "env", f"HOME={home}", *command],
            capture_output=True,
            timeout=120,
            cwd=home,
            check=False,
        )
    assert done.returncode == 0 and b"<html" in done.stdout, done.stderr[-2000:]


def test_doctor_says_when_the_sandbox_is_off(settings: Settings, chromium: str) -> None:
    result = CliRunner().invoke(app, ["doctor", "--json"])
    checks = {c["name"]: c for c in map(json.loads, result.stdout.splitlines())}
    check = checks["browser sandbox"]
    assert check["required"] is False
    if os.geteuid() == 0:
        assert check["status"] == "warn"
        assert "WITHOUT its sandbox" in check["detail"] and "root" in check["detail"]
        assert "ordinary user" in check["fix"]
    else:
        assert check["status"] in {"ok", "warn"}
