"""Alert digests: one per run, to a real webhook receiver and a real SMTP server on loopback."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from campaigns.alerts import send_run_digest
from campaigns.metrics import ALERTS_SENT
from campaigns.supervisor import dispose_engines
from lantian.config import Settings
from store.listings import Observation, record_observation
from store.models import Campaign, CampaignRun, Listing, RunStatus, utcnow


class Receiver:
    """A webhook endpoint on loopback that keeps every JSON body it is sent."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        received = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers["Content-Length"])
                received.append(json.loads(self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def ops_settings(
    settings: Settings,
    database_url: str,
    session_factory: sessionmaker[Session],
    receiver: Receiver,
) -> Iterator[Settings]:
    yield settings.model_copy(
        update={"database_url": database_url, "alert_webhook_urls": [receiver.url]}
    )
    dispose_engines()


def _campaign(session: Session) -> Campaign:
    campaign = Campaign(name="蓝天-alerts", keywords=["专利"], platforms=["market"])
    session.add(campaign)
    session.flush()
    return campaign


def _run(session: Session, campaign: Campaign, minutes_ago: int = 1) -> CampaignRun:
    run = CampaignRun(
        campaign_id=campaign.id,
        status=RunStatus.succeeded,
        trigger="schedule",
        started_at=utcnow() - timedelta(minutes=minutes_ago),
        finished_at=utcnow(),
    )
    session.add(run)
    session.flush()
    return run


def _see(
    session: Session, run: CampaignRun, n: int, *, severity: str | None, title: str = ""
) -> Listing:
    recorded = record_observation(
        session,
        Observation(
            platform_key="market",
            canonical_url=f"http://market.test/item/{n}",
            url=f"http://market.test/item/{n}",
            title=title or f"商品 {n}",
            text="包授权 不成功全额退款",
            run_id=run.id,
            campaign_id=run.campaign_id,
        ),
    )
    listing = recorded.listing
    listing.severity = severity
    listing.irregular = severity is not None
    listing.score = 0.9 if severity == "high" else 0.4
    listing.categories = ["guaranteed_grant"] if severity else []
    session.flush()
    return listing


def test_one_digest_per_run_with_the_new_high_severity_listings(
    ops_settings: Settings, session: Session, receiver: Receiver
) -> None:
    campaign = _campaign(session)
    run1 = _run(session, campaign)
    high = _see(session, run1, 1, severity="high", title="专利包授权 保过")
    _see(session, run1, 2, severity="medium")
    _see(session, run1, 3, severity=None)
    session.commit()

    digest = send_run_digest(ops_settings, run1.id)
    assert digest is not None
    assert send_run_digest(ops_settings, run1.id) is None, "a run is alerted once"
    assert len(receiver.bodies) == 1
    body = receiver.bodies[0]
    assert body["run_id"] == run1.id and body["campaign"] == "蓝天-alerts"
    assert [f["listing_id"] for f in body["new_high_severity"]] == [high.id]
    assert body["new_high_severity"][0]["title"] == "专利包授权 保过"
    assert body["reappeared"] == []

    run2 = _run(session, campaign)
    _see(session, run2, 1, severity="high")  # seen again: not new
    session.commit()
    assert send_run_digest(ops_settings, run2.id) is None
    assert len(receiver.bodies) == 1


@pytest.mark.parametrize(
    "database_url", ["sqlite"], indirect=True
)  # PostgreSQL: see the tests run on both
def test_reappearance_after_removal_is_alerted_once(
    ops_settings: Settings, session: Session, receiver: Receiver
) -> None:
    campaign = _campaign(session)
    run1 = _run(session, campaign, minutes_ago=10)
    listing = _see(session, run1, 7, severity="medium")
    listing.online = False
    listing.removed_at = utcnow() - timedelta(minutes=5)
    session.commit()

    run2 = _run(session, campaign)
    _see(session, run2, 7, severity="medium")
    session.commit()
    digest = send_run_digest(ops_settings, run2.id)
    assert digest is not None and [f.listing_id for f in digest.reappeared] == [listing.id]
    assert receiver.bodies[-1]["summary"]["reappeared_by_platform"] == {"market": 1}

    run3 = _run(session, campaign)
    _see(session, run3, 7, severity="medium")
    session.commit()
    assert send_run_digest(ops_settings, run3.id) is None, (
        "the same reappearance is not alerted twice"
    )
    assert len(receiver.bodies) == 1


@pytest.mark.parametrize(
    "database_url", ["sqlite"], indirect=True
)  # PostgreSQL: see the tests run on both
def test_webhook_on_a_private_address_is_refused_unless_allowed(
    ops_settings: Settings, session: Session, receiver: Receiver
) -> None:
    strict = ops_settings.model_copy(update={"allow_private_networks": False})
    campaign = _campaign(session)
    run = _run(session, campaign)
    _see(session, run, 1, severity="high")
    session.commit()
    before = ALERTS_SENT.labels(channel="webhook", outcome="failed")._value.get()
    assert send_run_digest(strict, run.id) is not None
    assert receiver.bodies == []
    assert ALERTS_SENT.labels(channel="webhook", outcome="failed")._value.get() == before + 1


@pytest.mark.parametrize(
    "database_url", ["sqlite"], indirect=True
)  # PostgreSQL: see the tests run on both
def test_digest_by_email_through_smtp(ops_settings: Settings, session: Session) -> None:
    from aiosmtpd.controller import Controller

    class Handler:
        def __init__(self) -> None:
            self.messages: list[tuple[list[str], bytes]] = []

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            self.messages.append((list(envelope.rcpt_tos), envelope.content))
            return "250 OK"

    handler = Handler()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        mail = ops_settings.model_copy(
            update={
                "alert_webhook_urls": [],
                "smtp_url": SecretStr(f"smtp://127.0.0.1:{port}?from=lantian@office.example"),
                "alert_email_to": ["staff@office.example"],
            }
        )
        campaign = _campaign(session)
        run = _run(session, campaign)
        _see(session, run, 1, severity="high", title="商标100%注册成功")
        session.commit()
        assert send_run_digest(mail, run.id) is not None
        assert send_run_digest(mail, run.id) is None
    finally:
        controller.stop()
    assert len(handler.messages) == 1
    rcpt, raw = handler.messages[0]
    assert rcpt == ["staff@office.example"]
    message = message_from_bytes(raw, policy=policy.default)
    assert "蓝天-alerts" in message["Subject"] and "1 new high-severity" in message["Subject"]
    parts = {part.get_content_type(): part for part in message.walk()}
    assert "商标100%注册成功" in parts["text/plain"].get_payload(decode=True).decode()
    attached = json.loads(parts["application/json"].get_payload(decode=True))
    assert attached["summary"]["new_high_severity"] == 1
