"""Fast checks of the crawl's pure parts: URLs, encodings, numbers, address guard, retry delays."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.settings import Settings

from crawler.middlewares.retry import BackoffRetryMiddleware, retry_after_seconds
from crawler.pipelines.normalize import parse_number
from crawler.settings import crawl_settings
from evidence.netguard import is_public_ip
from spiders import load_profiles
from spiders.encoding import choose_encoding, sniff_encoding
from spiders.urls import canonical_url


def test_canonical_url_strips_tracking_and_fragments() -> None:
    url = "HTTP://Shop.Example.cn:80/item?id=7&utm_source=wx&spm=a.b.c#reviews"
    assert canonical_url(url, ["utm_*", "spm"]) == "http://shop.example.cn/item?id=7"
    assert canonical_url("https://a.cn/x?b=2&a=1") == canonical_url("https://a.cn/x?a=1&b=2")


@pytest.mark.parametrize("codec", ["gbk", "gb18030", "big5"])
def test_undeclared_chinese_encodings_are_sniffed(codec: str) -> None:
    text = (
        "专利代理包授权，不成功全额退款。"
        if codec != "big5"
        else "專利代理包授權，不成功全額退款。"
    )
    body = f"<html><body><p>{text}</p></body></html>".encode(codec)
    chosen = choose_encoding("text/html", body)
    assert body.decode(chosen) == f"<html><body><p>{text}</p></body></html>"


def test_a_lying_utf8_header_is_overruled() -> None:
    body = "<p>商标注册担保</p>".encode("gbk")
    assert choose_encoding("text/html; charset=utf-8", body) in {"gb18030", "gbk"}
    assert sniff_encoding("纯文本".encode()) == "utf-8"
    assert choose_encoding("text/html; charset=utf-8", body, forced="gbk") in {"gbk", "gb18030"}


def test_numbers_in_chinese_listings() -> None:
    assert parse_number("¥1,299.00") == 1299.0
    assert parse_number("已售1.2万件") == 12000.0
    assert parse_number("月销 37") == 37.0
    assert parse_number("面议") is None


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("192.168.0.1", False),
        ("169.254.169.254", False),
        ("::1", False),
        ("::ffff:127.0.0.1", False),
        ("100.64.0.1", False),
    ],
)
def test_private_addresses_are_not_public(address: str, public: bool) -> None:
    assert is_public_ip(address) is public


def test_backoff_grows_and_honours_retry_after() -> None:
    mw = BackoffRetryMiddleware(
        Settings({"LANTIAN_RETRY_BACKOFF_BASE": 1.0, "LANTIAN_RETRY_BACKOFF_MAX": 10.0})
    )
    assert 0.8 <= mw.delay_for(1, None) <= 1.2
    assert 3.2 <= mw.delay_for(3, None) <= 4.8
    assert mw.delay_for(1, 7.0) == 7.0
    assert mw.delay_for(9, None) == 10.0
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds("soon") is None


def test_crawls_run_no_remote_control_server() -> None:
    """Scrapy's remote-control extension would serve code execution from the crawl process."""
    profiles = load_profiles(Path(__file__).parents[2] / "spiders" / "profiles")
    assert profiles
    for profile in profiles.values():
        settings = crawl_settings(profile, database_url=None)
        assert settings.getbool("REMOTE_CONTROL_ENABLED") is False
        assert settings.getbool("TELNETCONSOLE_ENABLED") is False
