"""The main job end to end on the sandbox internet.

sandbox -> campaign crawl (its own process: classify, capture, store) -> a
simulated first review pass -> draft notices -> summary scored against the
sandbox's ground truth.  ``lantian demo`` then serves the review UI.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from classifiers import load_directory
from lantian.config import Settings, session_store
from sandbox import SandboxServer
from spiders import canonical_url
from store import (
    CampaignRun,
    EvidenceCapture,
    Listing,
    ListingStatus,
    Review,
    ReviewAction,
    Role,
    SessionStore,
    TakedownNotice,
    User,
    assign_offices,
    audit,
    change_listing,
    create_user,
    make_engine,
    make_sessionmaker,
    session_scope,
    set_password,
    upgrade,
)

DEMO_CAMPAIGN = "demo"
DEMO_USER = "demo"
DEMO_REVIEWER = "demo-reviewer"


class DemoError(Exception):
    """A step of the demo failed; the message says which and why."""


@dataclass
class Score:
    """Flags against the truth, over the truth pages the crawl reached."""

    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0
    true_negative: int = 0
    unknown: int = 0
    """Stored listings the truth does not describe (list pages, replies...)."""

    @property
    def precision(self) -> float:
        flagged = self.true_positive + self.false_positive
        return self.true_positive / flagged if flagged else 0.0

    @property
    def recall(self) -> float:
        relevant = self.true_positive + self.false_negative
        return self.true_positive / relevant if relevant else 0.0


def score_flags(truth: Iterable[dict[str, Any]], stored: dict[str, bool]) -> Score:
    """Compare ``stored`` (canonical URL -> flagged) with the sandbox truth."""
    labels = {canonical_url(row["url"]): bool(row["irregular"]) for row in truth}
    score = Score()
    for url, flagged in stored.items():
        label = labels.get(url)
        if label is None:
            score.unknown += 1
        elif label and flagged:
            score.true_positive += 1
        elif label:
            score.false_negative += 1
        elif flagged:
            score.false_positive += 1
        else:
            score.true_negative += 1
    return score


@dataclass
class DemoSummary:
    listings: int
    flagged: int
    evidence: int
    notices: int
    confirmed: int
    dismissed: int
    score: Score
    sandbox: dict[str, str] = field(default_factory=dict)
    login: dict[str, str] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)
    """Wall seconds per phase, in the order they ran."""
    crawl: dict[str, Any] = field(default_factory=dict)
    """Inside the crawl phase: its own seconds, pages, captures and time per capture step."""

    def as_json(self) -> dict[str, Any]:
        return {
            "listings": self.listings,
            "flagged": self.flagged,
            "evidence": self.evidence,
            "notices": self.notices,
            "confirmed": self.confirmed,
            "dismissed": self.dismissed,
            "precision": round(self.score.precision, 4),
            "recall": round(self.score.recall, 4),
            "truth_pages_reached": self.score.true_positive
            + self.score.false_negative
            + self.score.false_positive
            + self.score.true_negative,
            "sandbox": self.sandbox,
            "phases_s": self.phases,
            "crawl": self.crawl,
        }


class PhaseClock:
    """``with clock.phase("crawl"): ...`` records wall seconds per phase, in order."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = round(time.perf_counter() - start, 2)


def crawl_figures(stats: dict[str, Any], summary: dict[str, Any]) -> dict[str, Any]:
    """What the crawl phase spent its time on, from the run's stats and the crawl's summary."""
    captured = int(stats.get("lantian/captured", 0) or 0)
    prefix = "lantian/capture_ms/"
    steps = {
        k.removeprefix(prefix): round(float(v) / captured, 1)
        for k, v in stats.items()
        if k.startswith(prefix) and captured
    }
    return {
        "seconds": summary.get("seconds"),
        "pages": summary.get("pages"),
        "items": summary.get("items"),
        "captured": captured,
        "capture_failed": int(stats.get("lantian/capture_failed", 0) or 0),
        # one process-wide gate: each platform's stats hold the same figures, so take the max
        "capture_pending_max": _platform_max(stats, "lantian/capture_pending_max"),
        "crawl_paused_s": _platform_max(stats, "lantian/crawl_paused_s"),
        "capture_mean_ms": steps,
    }


def _platform_max(stats: dict[str, Any], key: str) -> float:
    """The largest per-platform value of ``key`` (the run's totals sum over platforms)."""
    return max(
        (
            float(p.get(key, 0) or 0)
            for w in stats.get("workers", {}).values()
            for p in w.get("platforms", {}).values()
        ),
        default=0.0,
    )


def run_crawl(
    settings: Settings, sandbox: SandboxServer, log: Callable[[str], None], campaign: str
) -> dict[str, Any]:
    """Run the campaign in its own process (Twisted's reactor can't restart)."""
    cmd = [sys.executable, "-m", "lantian", "crawl", campaign]
    for key, url in sandbox.urls.items():
        cmd += ["--base-url", f"{key}={url}"]
    env = dict(os.environ)
    env["LANTIAN_DATA_DIR"] = str(settings.data_dir.resolve())
    if settings.database_url:
        env["LANTIAN_DATABASE_URL"] = settings.database_url
    # The sandbox lives on loopback; only this crawl is allowed to reach it.
    env["LANTIAN_ALLOW_PRIVATE_NETWORKS"] = "true"
    log(f"crawling the sandbox: {' '.join(cmd[2:])}")
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, check=False)
    if proc.returncode != 0:
        raise DemoError(
            f"the demo crawl failed with exit code {proc.returncode} (its log is above)"
        )
    lines = proc.stdout.decode("utf-8", "replace").strip().splitlines()
    try:
        summary = json.loads(lines[-1]) if lines else {}
    except json.JSONDecodeError:
        summary = {}
    return summary if isinstance(summary, dict) else {}


def ensure_user(
    session: Session, sessions: SessionStore, username: str, role: Role, password: str | None
) -> str:
    """Create ``username``, or give the existing account a fresh password; return the password."""
    password = password or secrets.token_urlsafe(12)
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        create_user(
            session, username, password, role, display_name=username, created_by="system:demo"
        )
    else:
        set_password(session, user, password, by="system:demo", sessions=sessions)
    return password


def simulated_review(
    session: Session, truth: list[dict[str, Any]], share: float = 0.5
) -> tuple[int, int]:
    """A demo reviewer works through the first ``share`` of the flag queue.

    The sandbox knows which flags are right, so the simulated reviewer confirms
    those and dismisses the others; every action is a Review row and an audit
    entry under the ``demo-reviewer`` account, like a person's.  The rest of the
    queue stays for whoever opens the UI.
    """
    labels = {canonical_url(row["url"]): bool(row["irregular"]) for row in truth}
    reviewer = session.scalar(select(User).where(User.username == DEMO_REVIEWER))
    if reviewer is None:
        raise DemoError(f"user {DEMO_REVIEWER} missing")
    queue = list(
        session.scalars(
            select(Listing)
            .where(Listing.status == ListingStatus.flagged)
            .order_by(Listing.score.desc(), Listing.id)
        )
    )
    confirmed = dismissed = 0
    for listing in queue[: int(len(queue) * share)]:
        right = labels.get(listing.canonical_url)
        if right is None:
            continue
        action = ReviewAction.confirm if right else ReviewAction.dismiss
        change_listing(
            session, listing, status=ListingStatus.confirmed if right else ListingStatus.dismissed
        )
        reason = "" if right else "误报：正常信息"
        session.add(
            Review(listing_id=listing.id, user_id=reviewer.id, action=action, reason=reason)
        )
        audit.record(
            session, DEMO_REVIEWER, f"review.{action.value}", "listing", listing.id, reason=reason
        )
        if right:
            confirmed += 1
        else:
            dismissed += 1
    return confirmed, dismissed


def count(session: Session, query: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)


def run_demo(
    settings: Settings,
    sandbox: SandboxServer,
    log: Callable[[str], None],
    demo_password: str | None = None,
    campaign: str = DEMO_CAMPAIGN,
) -> DemoSummary:
    """Everything but serving the UI; the sandbox must be running."""
    from takedown import draft_notices

    clock = PhaseClock()
    with clock.phase("database"):
        engine = make_engine(settings.resolved_database_url)
        upgrade(engine)
        factory = make_sessionmaker(engine)
        with session_scope(factory) as session, session_store(settings) as sessions:
            password = ensure_user(session, sessions, DEMO_USER, Role.supervisor, demo_password)
            login = {"username": DEMO_USER, "password": password}
            ensure_user(session, sessions, DEMO_REVIEWER, Role.reviewer, None)

    with clock.phase("crawl"):
        crawl_summary = run_crawl(settings, sandbox, log, campaign)

    truth = sandbox.truth()
    with session_scope(factory) as session:
        with clock.phase("review"):
            confirmed, dismissed = simulated_review(session, truth)
        log(f"demo reviewer: {confirmed} confirmed, {dismissed} dismissed")
        with clock.phase("offices"):
            offices = assign_offices(
                session, load_directory(settings.rules_dir), fallback_code=settings.office_code
            )
        log(f"responsible offices: {offices.listings} findings, {offices.by_source}")
        with clock.phase("notices"):
            drafted = draft_notices(
                session, DEMO_REVIEWER, close_shop_threshold=settings.takedown_close_shop_threshold
            )
        log(f"draft notices: {len(drafted.created)} new, {drafted.listings} listings")

    with clock.phase("summary"), session_scope(factory) as session:
        summary = _summarize(session, truth, sandbox, login, confirmed, dismissed)
        run = session.get(CampaignRun, crawl_summary.get("run_id", 0))
        summary.crawl = crawl_figures(dict(run.stats or {}) if run else {}, crawl_summary)
    engine.dispose()
    summary.phases = clock.seconds
    return summary


def _summarize(
    session: Session,
    truth: list[dict[str, Any]],
    sandbox: SandboxServer,
    login: dict[str, str],
    confirmed: int,
    dismissed: int,
) -> DemoSummary:
    stored = {
        url: bool(irregular)
        for url, irregular in session.execute(select(Listing.canonical_url, Listing.irregular))
    }
    return DemoSummary(
        listings=len(stored),
        flagged=sum(stored.values()),
        evidence=count(session, select(EvidenceCapture.id)),
        notices=count(session, select(TakedownNotice.id)),
        confirmed=confirmed,
        dismissed=dismissed,
        score=score_flags(truth, stored),
        sandbox=dict(sandbox.urls),
        login=login,
    )
