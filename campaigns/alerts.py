"""One alert digest per run: new high-severity listings and listings that came back.

After a run ends (``campaigns.supervisor`` and ``campaigns.reaper`` call :func:`send_run_digest`), the run's
findings are gathered:

* new high-severity listings: ``severity == "high"`` and the listing's first
  version was written by this run;
* reappearances: listings once removed (``removed_at`` set) that this run saw
  online again, each reported once per removal;
* platform problems: a profile that stopped matching its pages ("profile
  broken: ...") or a platform that blocked the crawl (``store.problems``).

When there is anything, one digest goes to every configured channel (JSON POST
to each ``alert_webhook_urls``; one e-mail through ``smtp_url`` to
``alert_email_to``).  The audit log records that the digest was claimed before
it is sent, so a run is never alerted twice even if two processes finalize it.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import String, and_, cast, func, select, update
from sqlalchemy.orm import Session, aliased

from campaigns.config import CampaignSettings
from campaigns.metrics import ALERTS_SENT
from evidence import WebhookError, post_webhook
from store import AuditEntry, Campaign, CampaignRun, Listing, ListingVersion, Platform, utcnow
from store.audit import record

log = logging.getLogger(__name__)

ACTOR = "system:alerts"
DIGEST_ACTION = "alert_digest"
REAPPEARED_ACTION = "reappearance_alerted"


class AlertError(WebhookError):
    """A channel could not deliver, or is misconfigured."""


@dataclass(frozen=True)
class Finding:
    listing_id: int
    url: str
    title: str
    platform: str
    severity: str | None
    score: float
    categories: list[str]
    removed_at: str | None = None


@dataclass(frozen=True)
class Problem:
    platform: str
    page_type: str
    kind: str
    message: str
    url: str
    count: int
    sample_path: str | None


@dataclass
class Digest:
    run_id: int
    campaign: str
    status: str
    started_at: str | None
    finished_at: str | None
    new_high: list[Finding] = field(default_factory=list)
    reappeared: list[Finding] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.new_high and not self.reappeared and not self.problems

    def payload(self) -> dict[str, Any]:
        by_platform: dict[str, int] = {}
        for finding in self.reappeared:
            by_platform[finding.platform] = by_platform.get(finding.platform, 0) + 1
        return {
            "kind": "lantian.run_digest",
            "run_id": self.run_id,
            "campaign": self.campaign,
            "status": self.status,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "summary": {
                "new_high_severity": len(self.new_high),
                "reappeared": len(self.reappeared),
                "reappeared_by_platform": by_platform,
                "problems": len(self.problems),
            },
            "new_high_severity": [asdict(f) for f in self.new_high],
            "reappeared": [asdict(f) for f in self.reappeared],
            "problems": [asdict(p) for p in self.problems],
        }

    def subject(self) -> str:
        return (
            f"[Lantian] {self.campaign} run {self.run_id}: "
            f"{len(self.new_high)} new high-severity, {len(self.reappeared)} reappeared"
            + (f", {len(self.problems)} platform problems" if self.problems else "")
        )

    def text(self) -> str:
        lines = [self.subject(), ""]
        if self.new_high:
            lines.append("New high-severity listings:")
            lines += [_line(f) for f in self.new_high]
            lines.append("")
        if self.reappeared:
            lines.append("Listings online again after removal:")
            lines += [_line(f) + f" (removed {f.removed_at})" for f in self.reappeared]
            lines.append("")
        if self.problems:
            lines.append("Platform problems (repair the profile or slow down):")
            lines += [
                f"- {p.message} ({p.count} pages; sample: {p.sample_path or '-'})"
                for p in self.problems
            ]
        return "\n".join(lines) + "\n"


def _line(f: Finding) -> str:
    cats = ",".join(f.categories) or "-"
    return f"  #{f.listing_id} [{f.platform}] {f.title[:80]} ({cats}, score {f.score:.2f})\n    {f.url}"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _finding(listing: Listing, platform_key: str) -> Finding:
    return Finding(
        listing_id=listing.id,
        url=listing.url,
        title=listing.title,
        platform=platform_key,
        severity=listing.severity,
        score=float(listing.score or 0.0),
        categories=[str(c) for c in (listing.categories or [])],
        removed_at=_iso(listing.removed_at),
    )


def collect_findings(session: Session, run: CampaignRun) -> Digest:
    """What the run found that staff should hear about now (see the module docstring)."""
    campaign_name = (
        session.scalar(select(Campaign.name).where(Campaign.id == run.campaign_id)) or "?"
    )
    digest = Digest(
        run_id=run.id,
        campaign=campaign_name,
        status=str(run.status),
        started_at=_iso(run.started_at),
        finished_at=_iso(run.finished_at),
    )
    first_version_id = (
        select(func.min(ListingVersion.id))
        .where(ListingVersion.listing_id == Listing.id)
        .correlate(Listing)
        .scalar_subquery()
    )
    first = aliased(ListingVersion)
    new_high = session.execute(
        select(Listing, Platform.key)
        .join(Platform, Platform.id == Listing.platform_id)
        .join(first, and_(first.id == first_version_id, first.run_id == run.id))
        .where(Listing.severity == "high")
        .order_by(Listing.score.desc(), Listing.id)
    ).all()
    digest.new_high = [_finding(listing, key) for listing, key in new_high]

    seen_in_run = (
        select(ListingVersion.id)
        .where(ListingVersion.listing_id == Listing.id, ListingVersion.run_id == run.id)
        .correlate(Listing)
        .exists()
    )
    window = [Listing.last_seen >= run.started_at] if run.started_at else [seen_in_run]
    candidates = session.execute(
        select(Listing, Platform.key)
        .join(Platform, Platform.id == Listing.platform_id)
        .where(
            Listing.online.is_(True),
            Listing.removed_at.is_not(None),
            Listing.last_seen > Listing.removed_at,
            *window,
        )
        .order_by(Platform.key, Listing.id)
    ).all()
    if candidates:
        ids = [str(listing.id) for listing, _ in candidates]
        already = {
            (object_id, at)
            for object_id, at in session.execute(
                select(AuditEntry.object_id, AuditEntry.at).where(
                    AuditEntry.action == REAPPEARED_ACTION,
                    AuditEntry.object_type == "listing",
                    AuditEntry.object_id.in_(ids),
                )
            )
        }
        for listing, key in candidates:
            alerted = any(
                oid == str(listing.id)
                and listing.removed_at is not None
                and at >= listing.removed_at
                for oid, at in already
            )
            if not alerted:
                digest.reappeared.append(_finding(listing, key))
    from store import problems_for_run

    digest.problems = [
        Problem(p.platform, p.page_type, p.kind, p.message, p.url, p.count, p.sample_path)
        for p in problems_for_run(session, run.id)
    ]
    return digest


def _claim(settings: CampaignSettings, run_id: int) -> Digest | None:
    """Gather the run's digest and record it as sent, unless it already was or is empty."""
    from campaigns.record import unit_of_work

    with unit_of_work(settings) as session:
        session.execute(
            update(CampaignRun).where(CampaignRun.id == run_id).values(id=CampaignRun.id),
            execution_options={"synchronize_session": False},
        )
        run = session.get(CampaignRun, run_id, populate_existing=True)
        if run is None:
            return None
        done = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(
                AuditEntry.action == DIGEST_ACTION,
                AuditEntry.object_type == "campaign_run",
                AuditEntry.object_id == str(run_id),
            )
        )
        if done:
            return None
        digest = collect_findings(session, run)
        if digest.empty:
            return None
        record(
            session,
            ACTOR,
            DIGEST_ACTION,
            "campaign_run",
            run_id,
            new_high=[f.listing_id for f in digest.new_high],
            reappeared=[f.listing_id for f in digest.reappeared],
            problems=[p.message for p in digest.problems],
        )
        for finding in digest.reappeared:
            record(session, ACTOR, REAPPEARED_ACTION, "listing", finding.listing_id, run_id=run_id)
        return digest


def send_run_digest(settings: CampaignSettings, run_id: int) -> Digest | None:
    """Send the run's digest through every configured channel, at most once per run.

    Returns the digest sent, or None when there was nothing new (or it was sent
    before).  A failing channel is logged and counted, never raised: one
    broken webhook must not keep the e-mail from going out.
    """
    digest = _claim(settings, run_id)
    if digest is None:
        return None
    channels = 0
    for url in settings.alert_webhook_urls:
        channels += 1
        try:
            post_webhook(url, digest.payload(), allow_private=settings.allow_private_networks)
            ALERTS_SENT.labels(channel="webhook", outcome="sent").inc()
        except WebhookError as exc:
            ALERTS_SENT.labels(channel="webhook", outcome="failed").inc()
            log.error("run %s: webhook alert failed: %s", run_id, exc)
    if settings.smtp_url is not None and settings.alert_email_to:
        channels += 1
        try:
            send_email(settings.smtp_url.get_secret_value(), settings.alert_email_to, digest)
            ALERTS_SENT.labels(channel="email", outcome="sent").inc()
        except AlertError as exc:
            ALERTS_SENT.labels(channel="email", outcome="failed").inc()
            log.error("run %s: e-mail alert failed: %s", run_id, exc)
    if not channels:
        log.warning("run %s has findings to alert but no alert channel is configured", run_id)
    else:
        log.info(
            "run %s: alerted %d new high-severity, %d reappeared",
            run_id,
            len(digest.new_high),
            len(digest.reappeared),
        )
    return digest


def send_pending_digests(
    settings: CampaignSettings, within: timedelta = timedelta(hours=24)
) -> list[int]:
    """Alert the runs that ended recently without a digest; return the runs alerted now.

    The process that launches a crawl alerts when it ends; this catches runs
    whose launcher exited first (``lantian campaigns run-now`` without
    ``--wait``) or died.  The scheduler calls it with its reaping.
    """
    from campaigns.record import FINISHED, unit_of_work

    since = utcnow() - within
    with unit_of_work(settings) as session:
        alerted = select(AuditEntry.object_id).where(
            AuditEntry.action == DIGEST_ACTION, AuditEntry.object_type == "campaign_run"
        )
        candidates = list(
            session.scalars(
                select(CampaignRun.id)
                .where(
                    CampaignRun.status.in_(FINISHED),
                    CampaignRun.finished_at >= since,
                    cast(CampaignRun.id, String).not_in(alerted),
                )
                .order_by(CampaignRun.id)
            )
        )
    return [run_id for run_id in candidates if send_run_digest(settings, run_id) is not None]


def send_email(smtp_url: str, to: list[str], digest: Digest) -> None:
    """Send the digest through ``smtp://[user:pass@]host[:port][?starttls=1&from=addr]``
    (``smtps://`` for implicit TLS)."""
    parts = urlsplit(smtp_url)
    if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
        raise AlertError(
            "smtp_url must look like smtp://[user:pass@]host[:port]; got a different URL"
        )
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    sender = query.get("from") or f"lantian@{parts.hostname}"
    message = EmailMessage()
    message["Subject"] = digest.subject()
    message["From"] = sender
    message["To"] = ", ".join(to)
    message.set_content(digest.text())
    import json

    message.add_attachment(
        json.dumps(digest.payload(), ensure_ascii=False, indent=2).encode(),
        maintype="application",
        subtype="json",
        filename=f"run-{digest.run_id}.json",
    )
    try:
        if parts.scheme == "smtps":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                parts.hostname, parts.port or 465, timeout=30, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(parts.hostname, parts.port or 25, timeout=30)
        with client:
            if query.get("starttls", "").lower() in {"1", "true", "yes"}:
                client.starttls(context=ssl.create_default_context())
            if parts.username:
                client.login(unquote(parts.username), unquote(parts.password or ""))
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise AlertError(f"SMTP {parts.hostname}:{parts.port or 25}: {exc}") from exc
