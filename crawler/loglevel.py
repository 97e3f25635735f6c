"""The crawl's loggers at the run's level while the crawl runs."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def crawl_log_level(level: int | str) -> Iterator[None]:
    """Set the root and ``scrapy`` loggers to ``level`` for the crawl, then restore them.

    Scrapy's root handler (installed again by each crawler) leaves the root logger at NOTSET
    and its own at DEBUG: every ``logger.debug()`` of the crawl then builds a record for the
    handler to drop, and scrapy-playwright, seeing DEBUG enabled, asks the driver for the
    headers of every request and response the browser makes only to log them.  The handler's
    own level is the run's, so the same lines are written either way.  Both arms of
    ``lantian bench crawl`` run under it, so neither pays for logs the other skips.
    """
    loggers = [logging.root, logging.getLogger("scrapy")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(level)
    try:
        yield
    finally:
        for logger, previous in zip(loggers, levels, strict=True):
            logger.setLevel(previous)
