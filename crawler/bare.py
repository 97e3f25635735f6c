"""``python -m crawler.bare URL_LOG [CHROMIUM]``: the baseline arm of ``lantian bench crawl``.

A bare Scrapy spider per platform that fetches the pages the full crawl fetched, the way it
fetched them, and does nothing with them.  Two things make it do the same work:

- each page is requested only once the page that linked to it (its ``parent`` in the URL
  log) has come back, as the full crawl can only follow a link it has parsed; pages without
  a parent in the log are the start requests;
- each platform is a crawler of its own with the download slot its crawler had in the full
  run (concurrency, delay, browser pages): the sandbox's platforms all live on 127.0.0.1 and
  Scrapy keys its slots by host, so one shared crawler would hold them all to one limit.
"""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy.http import Request, Response

from crawler.loglevel import crawl_log_level


@dataclass
class Plan:
    """One platform's share of the log: its slot, its start pages, and each page's children."""

    slot: dict[str, Any]
    roots: list[dict[str, Any]] = field(default_factory=list)
    children: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def read_plans(url_log: Path) -> dict[str, Plan]:
    """The log's pages by platform, each under the page that linked to it.

    A page logged more than once (a retried error) is fetched as often; a parent the log
    never fetched (its platform's robots.txt) makes the page a root.
    """
    slots: dict[str, dict[str, Any]] = {}
    pages: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in url_log.read_text(encoding="utf-8").splitlines():
        if not line:
            continue
        record = json.loads(line)
        if "slot" in record:
            slots[record["slot"]] = record
        else:
            pages[record["platform"]].append(record)
    plans: dict[str, Plan] = {}
    for platform, entries in pages.items():
        plan = Plan(slots.get(platform, {"slot": platform}))
        # a child names the page its parent's response came from (after any redirect)
        fetched = {entry.get("final") or entry["url"] for entry in entries}
        children: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for entry in entries:
            parent = entry.get("parent")
            if parent and parent in fetched:
                children[parent].append(entry)
            else:
                plan.roots.append(entry)
        plan.children = dict(children)
        plans[platform] = plan
    return plans


def slot_settings(slot: dict[str, Any], chromium_path: str) -> dict[str, Any]:
    """A platform crawler's settings: its slot as the full crawl ran it, nothing else."""
    from crawler.settings import browser_settings

    settings: dict[str, Any] = {
        "CONCURRENT_REQUESTS": slot.get("concurrent_requests", 32),
        "CONCURRENT_REQUESTS_PER_DOMAIN": slot.get("concurrency", 8),
        "DOWNLOAD_DELAY": slot.get("delay", 0.0),
        "RANDOMIZE_DOWNLOAD_DELAY": slot.get("randomize_delay", True),
        "AUTOTHROTTLE_ENABLED": slot.get("autothrottle", False),
    }
    if slot.get("browser_pages"):
        settings.update(
            browser_settings(chromium_path or None, slot["browser_pages"], allow_private=True)
        )
    return settings


BASE: dict[str, Any] = {
    "LOG_LEVEL": "ERROR",
    "ROBOTSTXT_OBEY": False,
    "TELNETCONSOLE_ENABLED": False,
    "RETRY_HTTP_CODES": [500, 502, 503, 504, 429],
    "HTTPERROR_ALLOW_ALL": True,
    "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
}


def request_for(entry: dict[str, Any], callback: Any) -> Request:
    meta: dict[str, Any] = {"dont_redirect": False}
    if entry["browser"]:
        from scrapy_playwright.page import PageMethod

        meta["playwright"] = True
        if entry.get("wait_for"):
            meta["playwright_page_methods"] = [
                PageMethod("wait_for_selector", entry["wait_for"], timeout=15_000)
            ]
    return Request(
        entry["url"],
        meta=meta,
        priority=int(entry.get("priority", 0)),
        dont_filter=True,
        callback=callback,
    )


def main_bare(url_log: str, chromium_path: str) -> None:
    """The bare arm: fetch the logged pages as they are found, parse nothing, store nothing."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    from crawler.memory import peak_rss_kb

    counted = {"pages": 0}

    class Bare(scrapy.Spider):
        plan: Plan

        async def start(self) -> Any:
            for entry in self.plan.roots:
                yield request_for(entry, self.parse)

        def parse(self, response: Response) -> Any:
            counted["pages"] += 1
            # the first response of a page releases its children (a retried page comes twice)
            for entry in self.plan.children.pop(response.url, []):
                yield request_for(entry, self.parse)

    process = CrawlerProcess(BASE)
    for platform, plan in read_plans(Path(url_log)).items():
        spider = type(
            f"Bare_{platform}",
            (Bare,),
            {
                "name": f"bare-{platform}",
                "plan": plan,
                "custom_settings": slot_settings(plan.slot, chromium_path),
            },
        )
        process.crawl(spider)
    started = time.monotonic()
    with crawl_log_level(BASE["LOG_LEVEL"]):
        process.start()
    seconds = time.monotonic() - started
    print(json.dumps({"pages": counted["pages"], "seconds": seconds, "peak_rss_kb": peak_rss_kb()}))


if __name__ == "__main__":
    main_bare(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "")
