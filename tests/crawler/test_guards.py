"""Private-network guard and JOBDIR state handling, with real requests and directories."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from scrapy.http import Request

from crawler.extensions.resume import MARKER, prepare_jobdir
from crawler.middlewares.ssrf import BlockedAddress, PrivateNetworkGuard


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/x", "http://localhost/", "http://[::1]/", "http://10.0.0.8/"])
def test_private_hosts_refused_unless_allowed(url: str) -> None:
    with pytest.raises(BlockedAddress):
        asyncio.run(PrivateNetworkGuard(allow_private=False).process_request(Request(url)))
    assert asyncio.run(PrivateNetworkGuard(allow_private=True).process_request(Request(url))) is None


def test_public_literal_address_passes() -> None:
    assert asyncio.run(PrivateNetworkGuard(allow_private=False).process_request(Request("http://8.8.8.8/"))) is None


def test_jobdir_resumes_only_after_a_graceful_stop(tmp_path: Path) -> None:
    job = tmp_path / "job"
    assert prepare_jobdir(job) == "fresh"
    (job / "requests.seen").write_text("abc\n")
    (job / MARKER).write_text("stopped")
    assert prepare_jobdir(job) == "resume"
    assert (job / "requests.seen").exists()
    # Still "running": the process was killed hard; the saved queue cannot be trusted.
    assert prepare_jobdir(job) == "restart-after-hard-kill"
    assert not (job / "requests.seen").exists()
    (job / "requests.seen").write_text("abc\n")
    (job / MARKER).write_text("finished")
    assert prepare_jobdir(job) == "fresh"
    assert not (job / "requests.seen").exists()
