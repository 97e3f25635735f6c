"""Hostile URLs may not reach private, loopback or link-local addresses unless allowed."""

from __future__ import annotations

import asyncio

import pytest

from evidence.netguard import AddressGuard, is_public_ip


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/", "non-public address 127.0.0.1"),
        ("http://localhost:8080/x", "loopback"),
        ("http://10.1.2.3/", "non-public address 10.1.2.3"),
        ("http://169.254.169.254/latest/meta-data/", "non-public address 169.254.169.254"),
        ("http://[::1]/", "non-public address ::1"),
        ("http://[::ffff:192.168.0.1]/", "non-public address ::ffff:192.168.0.1"),
        ("file:///etc/passwd", "scheme 'file' is not http(s)"),
        ("http:///nohost", "no host"),
    ],
)
def test_private_targets_are_refused(url: str, reason: str) -> None:
    refusal = asyncio.run(AddressGuard(allow_private_networks=False).refusal(url))
    assert refusal is not None and reason in refusal


def test_public_literal_and_allowed_private_pass() -> None:
    assert asyncio.run(AddressGuard(False).refusal("http://203.0.114.9/")) is None
    assert asyncio.run(AddressGuard(True).refusal("http://127.0.0.1/")) is None
    assert asyncio.run(AddressGuard(True).refusal("file:///etc/passwd")) is not None
    assert (
        is_public_ip("8.8.8.8") and not is_public_ip("100.64.0.1") and not is_public_ip("not-an-ip")
    )
