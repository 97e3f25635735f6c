"""The crawler worker joins running runs only, and only with a shared (Redis) frontier."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.orm import Session

from campaigns.supervisor import dispose_engines
from campaigns.worker import WorkerError, joinable_runs, run_worker
from lantian.config import Settings
from store.db import make_engine, make_sessionmaker, upgrade
from store.models import Campaign, CampaignRun, RunStatus, utcnow


def test_worker_refuses_without_redis(settings: Settings) -> None:
    with pytest.raises(WorkerError, match="LANTIAN_REDIS_URL"):
        run_worker(settings, threading.Event())


def test_worker_joins_running_runs_it_has_not_joined(settings: Settings) -> None:
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    with make_sessionmaker(engine)() as session:
        assert isinstance(session, Session)
        campaign = Campaign(name="shared", keywords=["专利"], platforms=["zhiquanba"])
        session.add(campaign)
        session.flush()
        runs = [
            CampaignRun(campaign_id=campaign.id, status=status, started_at=utcnow())
            for status in (
                RunStatus.succeeded,
                RunStatus.running,
                RunStatus.queued,
                RunStatus.running,
            )
        ]
        session.add_all(runs)
        session.commit()
        ids = [r.id for r in runs]
    assert joinable_runs(settings, set()) == [(ids[1], "shared"), (ids[3], "shared")]
    assert joinable_runs(settings, {ids[1]}) == [(ids[3], "shared")]
    engine.dispose()
    dispose_engines()
