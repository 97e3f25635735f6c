"""The crawl's loggers run at the run's level and are given back as they were."""

from __future__ import annotations

import logging

import pytest

from crawler.loglevel import crawl_log_level


def test_loggers_are_at_the_run_level_during_the_crawl_and_restored_after() -> None:
    scrapy_logger = logging.getLogger("scrapy")
    before = (logging.root.level, scrapy_logger.level)
    with pytest.raises(RuntimeError), crawl_log_level("ERROR"):
        assert logging.root.level == logging.ERROR
        assert scrapy_logger.level == logging.ERROR
        assert not logging.getLogger("scrapy_playwright").isEnabledFor(logging.DEBUG)
        raise RuntimeError("a crawl that fails still gives the levels back")
    assert (logging.root.level, scrapy_logger.level) == before
