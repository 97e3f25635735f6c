from __future__ import annotations

import gc

from crawler.memory import CRAWL_GEN0_THRESHOLD, freeze_setup, thaw_setup


def test_a_crawl_collects_its_young_generation_less_often_and_restores_it_after() -> None:
    before = gc.get_threshold()
    freeze_setup()
    try:
        during = gc.get_threshold()
        assert during[0] == max(before[0], CRAWL_GEN0_THRESHOLD)
        assert during[1:] == before[1:]
        assert gc.get_freeze_count() > 0
    finally:
        thaw_setup()
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
