"""The crawl's classify stage: a worker process classifies, applies the office's register once
one is imported, cuts the search tokens, and a worker that dies loses no page."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from classifiers.categories import DEFAULT_RULES_DIR
from classifiers.licensed import read_register_csv
from crawler.classify_client import ClassifyClient
from crawler.classify_worker import Job, Outcome, WorkerConfig
from crawler.pipelines.classify import ClassifyPipeline, prestart, shutdown_executors
from spiders.items import ListingItem
from store.db import make_engine, make_sessionmaker, session_scope, upgrade
from store.licensed import import_register
from store.search import tokenize_document

AGENCIES = """机构代码,机构名称,状态,机构类型,成立年份,代理师人数,信用等级
11001,北京明正专利代理有限公司,正常,有限责任公司,2001,25,A
"""
UNLISTED = "深圳快证知识产权代理有限公司，专业专利代理，机构代码99999，微信同号13800138000"
OFFER = "实用新型专利包授权，不授权全额退款，加微信13800138000详聊。"
USERDICT = DEFAULT_RULES_DIR / "userdict.txt"
PLAIN = "这款保温杯采用不锈钢内胆，保温十二小时，全国包邮。"


def _item(text: str, url: str = "http://shop.example/item/1") -> ListingItem:
    return ListingItem(platform="shop", kind="shop", page_kind="item", url=url, text=text)


def _classify_in_worker(
    settings: dict[str, Any], items: list[ListingItem], client: ClassifyClient | None = None
) -> Any:
    crawler = get_crawler(settings_dict=settings)
    pipeline = ClassifyPipeline.from_crawler(crawler)
    assert client is None or pipeline.client is client, "the worker already started is used"

    async def run() -> None:
        await asyncio.gather(*(pipeline.process_item(item) for item in items))

    try:
        asyncio.run(run())
    finally:
        peak = shutdown_executors()
    assert peak > 0, "the worker's peak memory is reported"
    return crawler.stats


def _register_rules(database_url: str) -> set[str]:
    item = _item(UNLISTED)
    _classify_in_worker({"LANTIAN_DATABASE_URL": database_url}, [item])
    assert item.verdict is not None
    return {hit.rule for hit in item.verdict.hits if hit.rule.startswith("licensed.")}


def test_register_check_runs_in_the_worker_once_a_register_is_imported(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'lantian.db'}"
    engine = make_engine(url)
    upgrade(engine)
    assert _register_rules(url) == set(), "an empty register must not make every firm unlicensed"

    csv = tmp_path / "agencies.csv"
    csv.write_text(AGENCIES, encoding="utf-8")
    agencies, agents = read_register_csv(csv)
    with session_scope(make_sessionmaker(engine)) as session:
        import_register(session, agencies, agents, replace=False)
    engine.dispose()
    assert {"licensed.unknown_agency_code", "licensed.unlisted_company"} <= _register_rules(url)


def test_a_worker_started_before_the_migrations_reads_the_register_with_its_first_page(
    tmp_path: Path,
) -> None:
    """``lantian crawl`` starts the worker before the database exists; the crawl's pipeline
    then uses that worker (no second one), and the register is read once pages come."""
    url = f"sqlite:///{tmp_path / 'lantian.db'}"
    settings = {"LANTIAN_DATABASE_URL": url, "LANTIAN_CLASSIFY_PROCESSES": 1}
    early = prestart(Settings(settings))
    assert early._ready is not None
    early._ready.result(timeout=60)  # started and initialised with no database at all
    engine = make_engine(url)
    upgrade(engine)
    csv = tmp_path / "agencies.csv"
    csv.write_text(AGENCIES, encoding="utf-8")
    with session_scope(make_sessionmaker(engine)) as session:
        import_register(session, *read_register_csv(csv), replace=False)
    engine.dispose()
    item = _item(UNLISTED)
    _classify_in_worker(settings, [item], client=early)
    assert item.verdict is not None
    assert "licensed.unlisted_company" in {hit.rule for hit in item.verdict.hits}


def test_the_worker_classifies_and_cuts_the_search_tokens(tmp_path: Path) -> None:
    items = [_item(OFFER, "http://shop.example/item/1"), _item(PLAIN, "http://shop.example/item/2")]
    stats = _classify_in_worker({"LANTIAN_SEARCH": {"data_dir": str(tmp_path)}}, items)
    assert [item.flagged for item in items] == [True, False]
    assert stats.get_value("lantian/classified") == 2 and stats.get_value("lantian/flagged") == 1
    for item in items:
        assert item.search_tokens == (item.text, tokenize_document(item.text, USERDICT))


class _KillsTheWorker:
    """Unpickled in the worker, it ends the process (as a crash in a C extension would)."""

    def __reduce__(self) -> tuple[Any, tuple[int]]:
        return (os._exit, (3,))


def _job(text: str, poison: bool = False) -> Job:
    return Job(text, "", [_KillsTheWorker()] if poison else [], None)  # type: ignore[list-item]


def _client() -> ClassifyClient:
    return ClassifyClient(WorkerConfig(None, 0.5, None, False, None), processes=1)


def test_a_page_that_kills_the_worker_is_given_up_and_its_batch_is_not_lost(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = _client()

    async def run() -> tuple[Outcome, Outcome]:
        return await asyncio.gather(
            client.classify(_job(OFFER)), client.classify(_job(OFFER, poison=True))
        )

    try:
        with caplog.at_level(logging.ERROR, logger="crawler.classify_client"):
            good, bad = asyncio.run(run())
            after = asyncio.run(client.classify(_job(OFFER)))
    finally:
        client.close()
    assert good.verdict is not None and good.verdict.irregular
    assert bad.verdict is None and "died 2 times" in (bad.error or "")
    assert after.verdict is not None and after.verdict.irregular, "a new worker took over"
    # the batch's death, then the poisoned page's two deaths alone
    assert client.restarts == 3
    assert "the classification worker process died" in caplog.text


def test_a_worker_killed_from_outside_is_replaced_and_the_page_classified(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = _client()
    try:
        assert asyncio.run(client.classify(_job(PLAIN))).verdict is not None
        (worker,) = multiprocessing.active_children()
        assert worker.pid is not None
        os.kill(worker.pid, signal.SIGKILL)
        worker.join(10)
        time.sleep(0.2)  # the pool's manager thread notices the death
        with caplog.at_level(logging.ERROR, logger="crawler.classify_client"):
            outcome = asyncio.run(client.classify(_job(OFFER)))
    finally:
        client.close()
    assert outcome.verdict is not None and outcome.verdict.irregular
    assert client.restarts == 1
    assert "died" in caplog.text


def test_a_page_the_worker_could_not_classify_is_stored_unclassified(
    caplog: pytest.LogCaptureFixture,
) -> None:
    crawler = get_crawler(settings_dict={})
    pipeline = ClassifyPipeline(_client(), crawler.stats)
    item = _item(OFFER)
    pipeline.job = lambda item: _job(item.text, poison=True)  # type: ignore[method-assign]
    try:
        with caplog.at_level(logging.ERROR):
            returned = asyncio.run(pipeline.process_item(item))
    finally:
        pipeline.client.close()
    assert returned is item and item.verdict is None
    assert crawler.stats.get_value("lantian/classify_failed") == 1
    assert "http://shop.example/item/1 stored unclassified" in caplog.text


def test_a_worker_that_cannot_start_fails_the_pages_at_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    client = ClassifyClient(WorkerConfig(str(tmp_path), 0.5, None, False, None), processes=1)
    try:
        with caplog.at_level(logging.ERROR, logger="crawler.classify_client"):
            first = asyncio.run(client.classify(_job(OFFER)))
            later = asyncio.run(client.classify(_job(OFFER)))
    finally:
        client.close()
    assert first.verdict is None and later.verdict is None
    assert client.broken is not None and "cannot start" in (later.error or "")
    assert client.restarts == 2, "no endless restarts"
    assert "cannot start" in caplog.text
