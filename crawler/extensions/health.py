"""Notice when a profile stops fitting its platform: drift and blocks, recorded on the run.

The spider sends ``spiders.health.page_problem`` when a page of the platform
yields nothing its page type looks for (``broken``) or is an anti-bot, CAPTCHA
or login page the profile declares (``blocked``).  After ``threshold`` such
pages of one page type in a run (one for blocks), the problem is written to the
run (``run_problems``) with a sample page kept under ``samples_dir``; the run's
alert digest (``campaigns.alerts``) reports it.  A block also backs the crawl off:
the platform's crawl pauses (``rate.block_backoff`` seconds, doubling with each
block), and after ``max_blocks`` it stops with finish reason ``blocked``.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.http import Response
from sqlalchemy import Engine

from spiders import page_problem

logger = logging.getLogger(__name__)

MAX_DELAY_S = 300.0


class ProfileHealth:
    def __init__(
        self,
        *,
        database_url: str | None,
        run_id: int | None,
        samples_dir: Path | None,
        threshold: int = 3,
        max_blocks: int = 3,
        crawler: Crawler | None = None,
    ) -> None:
        self.database_url = database_url
        self.run_id = run_id
        self.samples_dir = samples_dir
        self.threshold = max(1, threshold)
        self.max_blocks = max(1, max_blocks)
        self.crawler = crawler
        self.counts: dict[tuple[str, str], int] = {}
        self.recorded: list[dict[str, Any]] = []
        self._engine: Engine | None = None
        self.closing = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        samples = s.get("LANTIAN_SAMPLES_DIR")
        ext = cls(
            database_url=s.get("LANTIAN_DATABASE_URL"),
            run_id=s.getint("LANTIAN_RUN_ID") or None,
            samples_dir=Path(samples) if samples else None,
            threshold=s.getint("LANTIAN_DRIFT_THRESHOLD", 3),
            max_blocks=s.getint("LANTIAN_MAX_BLOCKS", 3),
            crawler=crawler,
        )
        crawler.signals.connect(ext.problem, signal=page_problem)
        from scrapy import signals

        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def problem(
        self, spider: Any, kind: str, page_type: str, message: str, response: Response
    ) -> None:
        key = (kind, page_type)
        self.counts[key] = count = self.counts.get(key, 0) + 1
        needed = 1 if kind == "blocked" else self.threshold
        if count >= needed:
            self._record(spider.profile.key, kind, page_type, message, response, count)
        if kind == "blocked":
            self._back_off(spider, response, count)

    def _record(
        self, platform: str, kind: str, page_type: str, message: str, response: Response, count: int
    ) -> None:
        first = not any(r["kind"] == kind and r["page_type"] == page_type for r in self.recorded)
        sample = self._keep_sample(platform, page_type, response) if first else None
        if first:
            logger.error("%s (after %d pages)", message, count)
            self.recorded.append(
                {"kind": kind, "page_type": page_type, "message": message, "url": response.url}
            )
            if self.crawler is not None and self.crawler.stats is not None:
                self.crawler.stats.set_value(f"lantian/problem/{kind}/{page_type}", message)
        if not self.database_url:
            return
        from store import make_engine, make_sessionmaker, record_problem, session_scope

        if self._engine is None:
            self._engine = make_engine(self.database_url)
        with session_scope(make_sessionmaker(self._engine)) as session:
            record_problem(
                session,
                run_id=self.run_id,
                platform=platform,
                page_type=page_type,
                kind=kind,
                message=message,
                url=response.url,
                count=count,
                sample_path=str(sample) if sample else None,
            )

    def _keep_sample(self, platform: str, page_type: str, response: Response) -> Path | None:
        if self.samples_dir is None:
            return None
        digest = hashlib.sha256(response.body).hexdigest()[:16]
        folder = self.samples_dir / f"run-{self.run_id or 'adhoc'}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{platform}-{page_type}-{digest}.html"
        path.write_bytes(response.body)
        return path.resolve()

    def _back_off(self, spider: Any, response: Response, count: int) -> None:
        """Pause this platform's crawl, twice as long after each block; stop after ``max_blocks``.

        Each platform has its own engine, so the other platforms of the run go on.
        """
        engine = self.crawler.engine if self.crawler is not None else None
        if engine is None:
            return
        if count >= self.max_blocks:
            if not self.closing:
                from scrapy.utils.defer import deferred_from_coro

                self.closing = True
                logger.error("%s: blocked %d times; stopping its crawl", spider.profile.key, count)
                deferred_from_coro(engine.close_spider_async(reason="blocked"))
            return
        pause = min(MAX_DELAY_S, spider.profile.rate.block_backoff * 2 ** (count - 1))
        logger.warning("%s: blocked; pausing its crawl for %.1f s", spider.profile.key, pause)
        if self.crawler is not None and self.crawler.stats is not None:
            self.crawler.stats.inc_value("lantian/backoff_seconds", pause)
        from twisted.internet import reactor

        engine.pause()
        reactor.callLater(pause, engine.unpause)

    def spider_closed(self, spider: Any) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
