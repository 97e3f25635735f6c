"""Crawl the sandbox in subprocesses (Twisted's reactor runs once per process)."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin

import httpx
import pytest
import yaml

from spiders.urls import canonical_url

KEYWORDS = ["评职称", "挂靠"]
SEARCH_PATHS = {"sousou": "/s?wd=", "taobaobei": "/search?q=", "zhiquanba": "/search?kw="}
RESULT_LINKS = {
    "sousou": re.compile(r'<h3 class="result-title"><a href="([^"]+)"'),
    "taobaobei": re.compile(r'<a class="item-(?:link|shop)" href="([^"]+)"'),
    "zhiquanba": re.compile(r'<a class="thread-title" href="([^"]+)"'),
}
NEXT = re.compile(r'<a class="page-next" href="([^"]+)"')


@dataclass
class CrawlResult:
    returncode: int
    summary: dict[str, Any]
    stderr: str
    db: Path

    def listings(self) -> dict[str, dict[str, Any]]:
        with sqlite3.connect(self.db) as conn:
            rows = conn.execute(
                "select l.canonical_url, l.title, l.shop, l.seller, l.region, v.fields, v.text, v.encoding, "
                "l.status, l.irregular, l.platform_id from listings l "
                "join listing_versions v on v.id = l.current_version_id"
            ).fetchall()
        out = {}
        for url, title, shop, seller, region, fields, text, enc, status, irregular, _ in rows:
            data = json.loads(fields)
            data.update(
                {k: v for k, v in {"shop": shop, "seller": seller, "region": region}.items() if v}
            )
            data["title"] = title
            out[url] = {
                "fields": data,
                "text": text,
                "encoding": enc,
                "status": status,
                "irregular": irregular,
            }
        return out

    def run_row(self) -> dict[str, Any]:
        with sqlite3.connect(self.db) as conn:
            status, stats, robots = conn.execute(
                "select status, stats, robots_override from campaign_runs where id = ?",
                (self.summary["run_id"],),
            ).fetchone()
        return {"status": status, "stats": json.loads(stats), "robots_override": bool(robots)}


def write_campaign(
    path: Path,
    urls: dict[str, str],
    keywords: list[str] = KEYWORDS,
    capture: bool = False,
    **limits: Any,
) -> Path:
    spec = {
        "name": path.stem,
        "keywords": keywords,
        "platforms": list(urls),
        "base_urls": urls,
        "limits": {"depth": 1, "pages": 40, **limits},
        "capture": capture,
    }
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return path


def crawl_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LANTIAN_")}
    env.update(
        LANTIAN_DATA_DIR=str(data_dir),
        LANTIAN_ALLOW_PRIVATE_NETWORKS="true",
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


def crawl_cmd(campaign: Path | str, *args: str, capture: bool = False) -> list[str]:
    return [
        sys.executable,
        "-m",
        "lantian",
        "crawl",
        str(campaign),
        *([] if capture else ["--no-capture"]),
        *args,
    ]


def run_crawl(
    campaign: Path,
    data_dir: Path,
    *args: str,
    timeout: float = 150,
    capture: bool = False,
    **env: str,
) -> CrawlResult:
    proc = subprocess.run(
        crawl_cmd(campaign, *args, capture=capture),
        env=crawl_env(data_dir, **env),
        cwd=data_dir.parent,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    summary = json.loads(proc.stdout.strip().splitlines()[-1]) if proc.stdout.strip() else {}
    return CrawlResult(proc.returncode, summary, proc.stderr, data_dir / "lantian.db")


def expected_listings(
    urls: dict[str, str], truth: list[dict[str, Any]], keywords: list[str] = KEYWORDS
) -> dict[str, dict[str, Any]]:
    """Truth listings the keywords reach at depth 1: every result link (on the platform
    searched) of every result page, plus the shops of the marketplace items found (the
    result cards link them)."""
    by_url: dict[str, dict[str, Any]] = {}
    for record in truth:
        for url in [record["url"], *record["redirect_from"]]:
            by_url[url] = record
    found: dict[str, dict[str, Any]] = {}
    with httpx.Client(timeout=10) as client:
        for platform, base in urls.items():
            for keyword in keywords:
                url: str | None = base + SEARCH_PATHS[platform] + quote(keyword)
                while url:
                    html = client.get(url).text
                    for link in RESULT_LINKS[platform].findall(html):
                        absolute = urljoin(url, link.replace("&amp;", "&"))
                        record = by_url.get(absolute)
                        if record is not None and record["platform"] == platform:
                            found[record["url"]] = record
                    nxt = NEXT.search(html)
                    url = urljoin(url, nxt.group(1).replace("&amp;", "&")) if nxt else None
    for record in list(found.values()):
        if record["kind"] == "listing" and record["fields"].get("shop_id") and "taobaobei" in urls:
            shop = by_url.get(f"{urls['taobaobei']}/shop/{record['fields']['shop_id']}")
            if shop is not None:
                found[shop["url"]] = shop
    return {canonical_url(u): r for u, r in found.items() if r["reachable"]}


def missing(expected: Iterable[str], stored: dict[str, Any]) -> list[str]:
    return sorted(u for u in expected if u not in stored)


@pytest.fixture(scope="session")
def sandbox_urls(sandbox: Any) -> dict[str, str]:
    return dict(sandbox.urls)
