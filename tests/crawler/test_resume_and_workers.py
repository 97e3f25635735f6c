"""Kill-and-resume through JOBDIR, and two workers splitting one campaign through Redis."""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import redis
import yaml

from campaigns.specs import load_campaign_file, upsert_campaign
from lantian.config import PROJECT_ROOT
from store.db import make_engine, make_sessionmaker, session_scope, upgrade
from store.models import CampaignRun, RunStatus
from tests.crawler.conftest import (
    CrawlResult,
    crawl_cmd,
    crawl_env,
    expected_listings,
    missing,
    run_crawl,
    write_campaign,
)

pytestmark = pytest.mark.slow


def slow_profiles(tmp: Path, delay: float) -> Path:
    """The shipped profiles, with the sandbox forum and search engine slowed down so a kill lands mid-crawl."""
    target = tmp / "profiles"
    shutil.copytree(PROJECT_ROOT / "spiders" / "profiles", target)
    for key in ("zhiquanba", "sousou"):
        path = target / f"{key}.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["rate"] = {"concurrency": 1, "delay": delay, "autothrottle": False}
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return target


def count_listings(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return int(conn.execute("select count(*) from listings").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def _versions_equal_listings(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        listings = conn.execute("select count(*) from listings").fetchone()[0]
        distinct = conn.execute("select count(distinct canonical_url) from listings").fetchone()[0]
        versions = conn.execute("select count(*) from listing_versions").fetchone()[0]
    assert listings == distinct == versions, (listings, distinct, versions)


def test_killed_crawl_resumes_without_loss_or_duplicates(sandbox: Any, tmp_path: Path) -> None:
    urls = {"zhiquanba": sandbox.urls["zhiquanba"]}
    campaign = write_campaign(tmp_path / "resume.yaml", urls, keywords=["挂靠"])
    data, jobdir = tmp_path / "var", tmp_path / "job"
    profiles = slow_profiles(tmp_path, delay=0.15)
    env = crawl_env(data, LANTIAN_PROFILES_DIR=str(profiles))
    proc = subprocess.Popen(
        crawl_cmd(campaign, "--jobdir", str(jobdir)),
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 90
    while (
        count_listings(data / "lantian.db") < 5
        and proc.poll() is None
        and time.monotonic() < deadline
    ):
        time.sleep(0.2)
    assert proc.poll() is None, "the crawl ended before it could be killed; slow it down"
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=60)
    first = count_listings(data / "lantian.db")
    expected = expected_listings(urls, sandbox.truth(), ["挂靠"])
    assert 5 <= first < len(expected), (first, len(expected))

    resumed = run_crawl(campaign, data, "--jobdir", str(jobdir), LANTIAN_PROFILES_DIR=str(profiles))
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    stats = resumed.run_row()["stats"]
    assert (
        stats["workers"][next(iter(stats["workers"]))]["platforms"]["zhiquanba"]["lantian/jobdir"]
        == "resume"
    )
    stored = resumed.listings()
    assert not missing(expected, stored)
    # The second run continued: it did not fetch every thread again.
    assert resumed.summary["items"] < len(expected)
    _versions_equal_listings(data / "lantian.db")


def test_hard_killed_crawl_resumes_without_loss_or_duplicates(sandbox: Any, tmp_path: Path) -> None:
    """After SIGKILL the next run resumes from the frontier the crawl wrote as it went:
    every listing is stored once, and the pages already done are not fetched again."""
    urls = {"zhiquanba": sandbox.urls["zhiquanba"]}
    campaign = write_campaign(tmp_path / "hardkill.yaml", urls, keywords=["挂靠"])
    data, jobdir = tmp_path / "var", tmp_path / "job"
    profiles = slow_profiles(tmp_path, delay=0.1)
    env = crawl_env(data, LANTIAN_PROFILES_DIR=str(profiles))
    expected = expected_listings(urls, sandbox.truth(), ["挂靠"])
    proc = subprocess.Popen(
        crawl_cmd(campaign, "--jobdir", str(jobdir)),
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 90
    while (
        count_listings(data / "lantian.db") < len(expected) // 2
        and proc.poll() is None
        and time.monotonic() < deadline
    ):
        time.sleep(0.1)
    assert proc.poll() is None, "the crawl ended before it could be killed"
    proc.kill()
    proc.wait(timeout=30)
    before = count_listings(data / "lantian.db")
    rerun = run_crawl(campaign, data, "--jobdir", str(jobdir), LANTIAN_PROFILES_DIR=str(profiles))
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    worker = next(iter(rerun.run_row()["stats"]["workers"].values()))
    platform = worker["platforms"]["zhiquanba"]
    assert platform["lantian/jobdir"] == "resume-after-hard-kill"
    assert platform["lantian/frontier_resumed_done"] > 0
    assert not missing(expected, rerun.listings())
    _versions_equal_listings(data / "lantian.db")
    # The rerun continued: it scraped fewer listing pages than there are listings, at most
    # the ones not yet stored plus those in flight (or in the store's buffer) at the kill.
    refetched = rerun.summary["items"]
    print(
        f"hard kill after {before}/{len(expected)} listings stored; the rerun scraped "
        f"{refetched} listing pages ({platform['lantian/frontier_requeued']} requeued in flight)"
    )
    assert refetched < len(expected), (refetched, len(expected))
    assert refetched <= len(expected) - before + platform["lantian/frontier_requeued"]


@pytest.mark.redis
def test_two_workers_split_one_campaign_through_redis(
    sandbox: Any, redis_url: str, tmp_path: Path
) -> None:
    urls = {"zhiquanba": sandbox.urls["zhiquanba"], "sousou": sandbox.urls["sousou"]}
    campaign = write_campaign(tmp_path / "twoworkers.yaml", urls, keywords=["挂靠"])
    data = tmp_path / "var"
    profiles = slow_profiles(tmp_path, delay=0.25)
    engine = make_engine(f"sqlite:///{data / 'lantian.db'}")
    upgrade(engine)
    with session_scope(make_sessionmaker(engine)) as session:
        row = upsert_campaign(session, load_campaign_file(campaign))
        run = CampaignRun(campaign_id=row.id, status=RunStatus.queued)
        session.add(run)
        session.flush()
        run_id = run.id
    engine.dispose()
    prefix = f"test-{uuid.uuid4().hex[:12]}"  # apart from any other run sharing this Redis
    client = redis.Redis.from_url(redis_url)

    env = crawl_env(
        data,
        LANTIAN_PROFILES_DIR=str(profiles),
        LANTIAN_REDIS_URL=redis_url,
        LANTIAN_REDIS_KEY_PREFIX=prefix,
    )
    workers = [
        subprocess.Popen(
            crawl_cmd(campaign, "--run-id", str(run_id)),
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [w.communicate(timeout=180) for w in workers]
    for w, (_, err) in zip(workers, outputs, strict=True):
        assert w.returncode == 0, err[-2000:]

    result = CrawlResult(0, {"run_id": run_id}, "", data / "lantian.db")
    run_row = result.run_row()
    assert run_row["status"] == "succeeded"
    per_worker = run_row["stats"]["workers"]
    assert len(per_worker) == 2
    pages = [w["totals"].get("lantian/pages", 0) for w in per_worker.values()]
    assert all(p > 0 for p in pages), f"one worker did nothing: {pages}"
    expected = expected_listings(urls, sandbox.truth(), ["挂靠"])
    stored = result.listings()
    assert not missing(expected, stored)
    _versions_equal_listings(data / "lantian.db")
    items = sum(w["totals"].get("item_scraped_count", 0) for w in per_worker.values())
    assert items == len(stored), (
        f"{items} items scraped for {len(stored)} listings: some page was fetched twice"
    )
    assert any(client.scan_iter(match=f"{prefix}:twoworkers:*")), "the frontier used no Redis key"
    for key in client.scan_iter(match=f"{prefix}:twoworkers:*"):
        client.delete(key)
    client.close()
