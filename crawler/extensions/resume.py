"""Decide, on start, whether a JOBDIR holds a crawl to resume.

The frontier (:mod:`crawler.frontier`) is written as the crawl goes, so it can
be resumed after any stop.  This extension writes a state marker: ``running``
while crawling, ``stopped`` after a graceful stop, ``finished`` when the crawl
ran to its end.  On start, ``stopped`` resumes, ``running`` (the process was
killed hard) resumes from the last state the frontier wrote, and ``finished``
(a new run in an old directory) wipes the directory.  A directory left by
Scrapy's own disk queue (no frontier file) cannot be trusted after a hard
kill and is wiped, as before.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any, Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

logger = logging.getLogger(__name__)

MARKER = "lantian.state"


def read_state(jobdir: Path) -> str | None:
    try:
        return (jobdir / MARKER).read_text(encoding="utf-8").strip()
    except OSError:
        return None


def prepare_jobdir(jobdir: Path) -> str:
    """Wipe ``jobdir`` unless it holds a gracefully stopped crawl; say what was done."""
    from crawler.frontier import FRONTIER_FILE

    state = read_state(jobdir)
    has_content = jobdir.exists() and any(p.name != MARKER for p in jobdir.iterdir())
    if state == "stopped" and has_content:
        action = "resume"
    elif state == "running" and (jobdir / FRONTIER_FILE).is_file():
        action = "resume-after-hard-kill"
    elif has_content:
        shutil.rmtree(jobdir)
        action = "restart-after-hard-kill" if state == "running" else "fresh"
    else:
        action = "fresh"
    jobdir.mkdir(parents=True, exist_ok=True)
    (jobdir / MARKER).write_text("running", encoding="utf-8")
    return action


class ResumeGuard:
    def __init__(self, jobdir: Path, stats: Any) -> None:
        self.jobdir = jobdir
        self.action = prepare_jobdir(jobdir)
        stats.set_value("lantian/jobdir", self.action)
        if self.action != "fresh":
            logger.warning("JOBDIR %s: %s", jobdir, self.action)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        jobdir = crawler.settings.get("JOBDIR")
        if not jobdir:
            raise NotConfigured("no JOBDIR")
        ext = cls(Path(jobdir), crawler.stats)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider: Spider, reason: str) -> None:
        state = "finished" if reason == "finished" else "stopped"
        (self.jobdir / MARKER).write_text(state, encoding="utf-8")
