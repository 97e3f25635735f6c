"""Hostile URLs may not reach private, loopback or link-local addresses unless allowed."""

from __future__ import annotations

import asyncio
import ipaddress

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from evidence.netguard import AddressGuard, embedded_ipv4, is_public_ip


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


@pytest.mark.parametrize(
    ("address", "inside"),
    [
        ("::7f00:1", "127.0.0.1"),  # IPv4-compatible
        ("::a9fe:a9fe", "169.254.169.254"),
        ("64:ff9b::a9fe:a9fe", "169.254.169.254"),  # NAT64
        ("64:ff9b:1::a00:1", "10.0.0.1"),  # NAT64 local-use
        ("2002:a9fe:a9fe::", "169.254.169.254"),  # 6to4
        ("2002:7f00:1::1", "127.0.0.1"),
        ("::ffff:0:a9fe:a9fe", "169.254.169.254"),  # SIIT / IPv4-translated
        ("::ffff:0:7f00:1", "127.0.0.1"),
        # Teredo: server 65.54.227.120, client 127.0.0.1 (obfuscated: bits inverted)
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", "127.0.0.1"),
        ("::", "0.0.0.0"),
    ],
)
def test_ipv6_forms_are_judged_by_the_ipv4_inside(address: str, inside: str) -> None:
    assert not is_public_ip(address), address
    assert any(str(v4) == inside for v4 in embedded_ipv4(ipaddress.IPv6Address(address)))
    refusal = asyncio.run(AddressGuard(False).refusal(f"http://[{address}]/"))
    assert refusal is not None and "non-public address" in refusal


def _embeddings(v4: ipaddress.IPv4Address) -> list[str]:
    n = int(v4)
    return [
        str(ipaddress.IPv6Address(n)),  # IPv4-compatible
        str(ipaddress.IPv6Address((0xFFFF << 32) | n)),  # IPv4-mapped
        str(ipaddress.IPv6Address((0xFFFF << 48) | n)),  # IPv4-translated
        str(ipaddress.IPv6Address((0x64FF9B << 96) | n)),  # NAT64
        str(ipaddress.IPv6Address((0x2002 << 112) | (n << 80) | 1)),  # 6to4
    ]


@hsettings(max_examples=300, deadline=None)
@given(v4=st.ip_addresses(v=4))
def test_embedded_ipv4_gets_the_verdict_of_the_ipv4(v4: ipaddress.IPv4Address) -> None:
    expected = is_public_ip(str(v4))
    assert {form: is_public_ip(form) for form in _embeddings(v4)} == dict.fromkeys(
        _embeddings(v4), expected
    )


@pytest.mark.parametrize("v4", ["127.0.0.1", "10.9.8.7", "192.168.1.1", "169.254.169.254"])
def test_teredo_with_a_private_client_is_refused(v4: str) -> None:
    client = int(ipaddress.IPv4Address(v4)) ^ 0xFFFFFFFF
    teredo = ipaddress.IPv6Address((0x20010000 << 96) | (0x4136E378 << 64) | client)
    assert teredo.teredo is not None and str(teredo.teredo[1]) == v4
    assert not is_public_ip(str(teredo))


def test_plain_public_ipv6_stays_public() -> None:
    assert is_public_ip("2606:4700:4700::1111")
    assert is_public_ip("2002:808:808::1")  # 6to4 of 8.8.8.8
    assert is_public_ip("64:ff9b::808:808")  # NAT64 of 8.8.8.8
