"""Prometheus figures read from the store at scrape time, and JSON log lines."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session

from campaigns.metrics import install_store_collector, render, uninstall_store_collectors
from lantian.config import Settings
from lantian.logs import configure_logging
from store.models import (
    Campaign,
    CampaignRun,
    Listing,
    ListingStatus,
    Platform,
    RunStatus,
    SourceKind,
)


@pytest.fixture
def collector_settings(
    settings: Settings, database_url: str, session: Session
) -> Iterator[Settings]:
    yield settings.model_copy(update={"database_url": database_url})
    uninstall_store_collectors()


def _samples() -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    body, content_type = render()
    assert content_type.startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }


@pytest.mark.parametrize(
    "database_url", ["sqlite"], indirect=True
)  # PostgreSQL: see the tests run on both
def test_store_figures_are_read_at_scrape_time(
    collector_settings: Settings, session: Session
) -> None:
    install_store_collector(collector_settings)
    install_store_collector(collector_settings)  # idempotent
    campaign = Campaign(name="m", keywords=["专利"], platforms=["p"])
    platform = Platform(key="p", name="p", kind=SourceKind.marketplace)
    session.add_all([campaign, platform])
    session.flush()
    session.add_all(
        [
            CampaignRun(
                campaign_id=campaign.id,
                status=RunStatus.succeeded,
                stats={"lantian/pages": 26, "lantian/flagged": 13, "lantian/capture_failed": 1},
            ),
            CampaignRun(
                campaign_id=campaign.id,
                status=RunStatus.failed,
                stats={"response_received_count": 4},
            ),
            CampaignRun(campaign_id=campaign.id, status=RunStatus.running, stats={}),
            Listing(
                platform_id=platform.id,
                canonical_url="u1",
                url="u1",
                irregular=True,
                status=ListingStatus.flagged,
            ),
            Listing(
                platform_id=platform.id,
                canonical_url="u2",
                url="u2",
                irregular=True,
                status=ListingStatus.confirmed,
            ),
            Listing(platform_id=platform.id, canonical_url="u3", url="u3", irregular=False),
        ]
    )
    session.commit()
    samples = _samples()
    assert samples[("lantian_runs", (("status", "succeeded"),))] == 1
    assert samples[("lantian_runs", (("status", "running"),))] == 1
    assert samples[("lantian_runs", (("status", "queued"),))] == 0
    assert samples[("lantian_pages_crawled_total", ())] == 30
    assert samples[("lantian_flags_total", ())] == 13
    assert samples[("lantian_capture_failures_total", ())] == 1
    assert samples[("lantian_review_queue_size", ())] == 1
    assert samples[("lantian_listings_irregular", ())] == 2


def test_json_logs_are_one_object_per_line() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level, logging.getLogger("apscheduler").level)
    configure_logging("INFO", json_lines=True, stream=stream)
    try:
        log = logging.getLogger("lantian.test")
        log.info("run %s started", 7, extra={"run_id": 7, "campaign": "蓝天"})
        try:
            raise ValueError("boom")
        except ValueError:
            log.exception("run failed")
        logging.getLogger("apscheduler.executors").info("Running job ...")  # quietened
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        logging.getLogger("apscheduler").setLevel(saved[2])
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 2
    assert (
        lines[0]["message"] == "run 7 started"
        and lines[0]["run_id"] == 7
        and lines[0]["campaign"] == "蓝天"
    )
    assert (
        lines[0]["level"] == "INFO"
        and lines[0]["logger"] == "lantian.test"
        and lines[0]["ts"].endswith("+00:00")
    )
    assert "ValueError: boom" in lines[1]["exc"]
