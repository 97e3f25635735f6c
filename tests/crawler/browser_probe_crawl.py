"""A one-page crawl with the crawl's own browser settings; prints the page's findings as JSON.

    python tests/crawler/browser_probe_crawl.py URL ALLOW_PRIVATE ALLOWED_ORIGINS_JSON

The browser settings are the ones every ``render: browser`` profile gets
(``crawler.settings.browser_settings``); Scrapy's own private-network guard is set to
allow loopback so the page itself is reached: what is tested is the browser's egress.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import scrapy  # noqa: E402
from scrapy.crawler import CrawlerProcess  # noqa: E402
from scrapy_playwright.page import PageMethod  # noqa: E402

from crawler.settings import browser_settings  # noqa: E402
from lantian.config import default_chromium  # noqa: E402


def main() -> None:
    url, allow_private, origins = sys.argv[1], sys.argv[2] == "true", json.loads(sys.argv[3])
    found: dict[str, Any] = {}

    class Probe(scrapy.Spider):
        name = "probe"

        async def start(self) -> Any:
            yield scrapy.Request(
                url,
                meta={
                    "playwright": True,
                    "playwright_page_methods": [
                        PageMethod("wait_for_selector", "body[data-done]", timeout=15_000)
                    ],
                },
                callback=self.parse,
            )

        def parse(self, response: Any) -> None:
            found["attempts"] = response.css("body::attr(data-attempts)").get()
            found["websocket"] = response.css("body::attr(data-ws)").get()
            found["fetch"] = response.css("body::attr(data-fetch)").get()

    settings = browser_settings(default_chromium(), 2, allow_private=allow_private)
    settings["LANTIAN_BROWSER_EGRESS"]["allowed_origins"] = origins
    settings.update(
        {
            "ROBOTSTXT_OBEY": False,
            "LOG_LEVEL": "WARNING",
            "TELNETCONSOLE_ENABLED": False,
            "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        }
    )
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(Probe)
    process.crawl(crawler)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    found["sandboxed"] = stats.get("lantian/browser/sandboxed")
    found["egress_refused"] = stats.get("lantian/browser/egress_refused")
    found["launch_args"] = settings["PLAYWRIGHT_LAUNCH_OPTIONS"]["args"]
    print(json.dumps(found))


if __name__ == "__main__":
    main()
