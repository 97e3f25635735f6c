"""Two or more workers on one Redis frontier: nobody stops while another still works.

scrapy-redis keeps the queue and the seen-set in Redis; a plain spider on it
would close as soon as the shared queue is momentarily empty, although another
worker is about to push the links it is parsing.  Each worker here keeps a
short-lived ``busy`` key alive while it has requests in flight, and an idle
worker stays open while the queue is non-empty or any other worker is busy.
"""

from __future__ import annotations

import logging
import os
import socket
from typing import Self

import redis
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from twisted.internet import task

logger = logging.getLogger(__name__)

BUSY_TTL_S = 15
KEY_TTL_S = 24 * 3600


class SharedFrontierIdle:
    def __init__(self, client: redis.Redis, prefix: str, crawler: Crawler) -> None:
        self.client = client
        self.prefix = prefix
        self.crawler = crawler
        self.worker = f"{socket.gethostname()}:{os.getpid()}"
        self.busy_key = f"{prefix}:busy:{self.worker}"
        self._beat: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        url = crawler.settings.get("REDIS_URL")
        prefix = crawler.settings.get("LANTIAN_REDIS_PREFIX")
        if not url or not prefix:
            raise NotConfigured("no Redis frontier")
        ext = cls(redis.Redis.from_url(url), prefix, crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def _working(self) -> bool:
        engine = self.crawler.engine
        if engine is None:
            return False
        scraper_idle = engine.scraper.slot is None or engine.scraper.slot.is_idle()
        return bool(engine.downloader.active) or not scraper_idle or engine._start is not None

    def heartbeat(self) -> None:
        if self._working():
            self.client.set(self.busy_key, "1", ex=BUSY_TTL_S)
        else:
            self.client.delete(self.busy_key)

    def spider_opened(self, spider: Spider) -> None:
        self.client.set(self.busy_key, "1", ex=BUSY_TTL_S)
        self._beat = task.LoopingCall(self.heartbeat)
        self._beat.start(0.5, now=False)

    def others_busy(self) -> bool:
        keys = [
            k
            for k in self.client.scan_iter(match=f"{self.prefix}:busy:*")
            if k.decode() != self.busy_key
        ]
        return bool(keys)

    def spider_idle(self, spider: Spider) -> None:
        self.client.delete(self.busy_key)
        queued = self.client.zcard(f"{self.prefix}:requests")
        if queued or self.others_busy():
            raise DontCloseSpider

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self._beat is not None and self._beat.running:
            self._beat.stop()
        self.client.delete(self.busy_key)
        for key in (f"{self.prefix}:requests", f"{self.prefix}:dupefilter"):
            self.client.expire(key, KEY_TTL_S)
        self.client.close()
