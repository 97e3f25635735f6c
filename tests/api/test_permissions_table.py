"""The permission table, tried row by row as every role through the service functions.

Each row of ``store.permissions.RULES`` becomes one case per role: the subject is
put into the row's state, the action is taken by the service function (or the
route, for campaigns), and it must succeed exactly when the role is at least
the row's least role.  A row this file cannot exercise fails the test, so the
table and the test cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.reviewing import ReviewError, apply_review
from store import permissions
from store.db import session_scope
from store.models import (
    Listing,
    ListingStatus,
    NoticeStatus,
    Review,
    ReviewAction,
    Role,
    TakedownItem,
    TakedownNotice,
    User,
)
from takedown.errors import PermissionDenied
from takedown.grouping import draft_notices
from takedown.workflow import TRANSITIONS, transition

CASES = [
    pytest.param(rule, role, id=f"{rule.subject}-{rule.action}-{rule.state}-as-{role}")
    for rule in permissions.RULES
    for role in Role
]


def _user(s: Session, role: Role) -> User:
    user = s.scalar(select(User).where(User.username == str(role)))
    assert user is not None
    return user


# --- listings -------------------------------------------------------------------------------


def _listing_in(s: Session, seed: Any, state: str) -> Listing:
    status = ListingStatus.confirmed if state in (permissions.SUPERVISOR_DECIDED,) else state
    if state == permissions.ANY:
        status = ListingStatus.flagged
    lid = seed.listing("标题", "包授权 正文", status=ListingStatus(status))
    listing = s.get(Listing, lid)
    assert listing is not None
    if state == permissions.SUPERVISOR_DECIDED:
        s.add(
            Review(
                listing_id=lid, user_id=_user(s, Role.supervisor).id, action=ReviewAction.confirm
            )
        )
        s.flush()
    elif state in ("confirmed", "dismissed"):
        action = ReviewAction.confirm if state == "confirmed" else ReviewAction.dismiss
        s.add(Review(listing_id=lid, user_id=_user(s, Role.reviewer).id, action=action))
        s.flush()
    return listing


def _try_listing(app: FastAPI, seed: Any, rule: permissions.Rule, role: Role) -> bool:
    with session_scope(app.state.sessionmaker) as s:
        listing = _listing_in(s, seed, rule.state)
        before = listing.status
        try:
            apply_review(
                s,
                listing,
                _user(s, role),
                ReviewAction(rule.action),
                reason="理由",
                assignee="reviewer",
            )
        except ReviewError as exc:
            assert exc.status_code == 403, f"{rule}: refused for another reason: {exc}"
            assert listing.status == before
            return False
        return True


# --- notices --------------------------------------------------------------------------------


def _source_state(rule: permissions.Rule) -> NoticeStatus:
    if rule.state != permissions.ANY:
        return NoticeStatus(rule.state)
    target = NoticeStatus(rule.action)
    return next(s for s in NoticeStatus if target in TRANSITIONS[s])


def _notice_in(s: Session, seed: Any, status: NoticeStatus) -> TakedownNotice:
    lid = seed.listing("标题", "包授权", platform="taobao", status=ListingStatus.confirmed)
    listing = s.get(Listing, lid)
    assert listing is not None
    notice = TakedownNotice(
        reference=f"TD-T-{lid}", platform_id=listing.platform_id, shop="店", status=status
    )
    s.add(notice)
    s.flush()
    s.add(TakedownItem(notice_id=notice.id, listing_id=lid))
    s.flush()
    s.refresh(notice)
    return notice


def _try_notice(app: FastAPI, seed: Any, rule: permissions.Rule, role: Role) -> bool:
    with session_scope(app.state.sessionmaker) as s:
        user = _user(s, role)
        try:
            if rule.action == "create":
                seed.listing("标题", "包授权", platform="taobao", status=ListingStatus.confirmed)
                return bool(draft_notices(s, user).created)
            notice = _notice_in(s, seed, _source_state(rule))
            transition(s, notice, NoticeStatus(rule.action), user)
        except PermissionDenied:
            return False
        return True


def _try_preview(clients: dict[Role, TestClient], seed: Any, role: Role) -> bool:
    with session_scope(seed.app.state.sessionmaker) as s:
        ref = _notice_in(s, seed, NoticeStatus.draft).reference
    r = clients[role].get(f"/api/v1/takedowns/{ref}/export/json")
    assert r.status_code in (200, 409), r.text
    return r.status_code == 200


# --- campaigns (the routes are the service) -------------------------------------------------

CAMPAIGN_BODY = {"name": "c", "keywords": ["包授权"], "platforms": ["taobao"]}


def _try_campaign(
    clients: dict[Role, TestClient], admin: TestClient, rule: permissions.Rule, role: Role
) -> bool:
    client = clients[role]
    made = admin.post(
        "/api/v1/campaigns", json={**CAMPAIGN_BODY, "name": f"c-{rule.action}-{role}"}
    )
    assert made.status_code == 201, made.text
    cid = made.json()["id"]
    missing = 2**40  # an id that does not exist: permitted users get 404, never a real crawl
    calls: dict[str, Callable[[], Any]] = {
        "read": lambda: client.get(f"/api/v1/campaigns/{cid}"),
        "create": lambda: client.post(
            "/api/v1/campaigns", json={**CAMPAIGN_BODY, "name": f"new-{role}"}
        ),
        "update": lambda: client.patch(f"/api/v1/campaigns/{cid}", json={"keywords": ["保过"]}),
        "delete": lambda: client.delete(f"/api/v1/campaigns/{cid}"),
        "pause": lambda: client.post(f"/api/v1/campaigns/{cid}/pause"),
        "resume": lambda: client.post(f"/api/v1/campaigns/{cid}/resume"),
        "run": lambda: client.post(f"/api/v1/campaigns/{missing}/runs"),
        "cancel": lambda: client.post(f"/api/v1/runs/{missing}/cancel"),
    }
    r = calls[rule.action]()
    assert r.status_code < 500, r.text
    return r.status_code != 403


@pytest.mark.parametrize(("rule", "role"), CASES)
def test_every_rule_as_every_role(
    app: FastAPI,
    seed: Any,
    users: dict[str, str],
    reviewer: TestClient,
    supervisor: TestClient,
    admin: TestClient,
    rule: permissions.Rule,
    role: Role,
) -> None:
    clients = {Role.reviewer: reviewer, Role.supervisor: supervisor, Role.admin: admin}
    expected = permissions.RANK[role] >= permissions.RANK[rule.least]
    assert permissions.allowed(role, rule.subject, rule.action, rule.state) is expected
    if rule.subject == "listing":
        done = _try_listing(app, seed, rule, role)
    elif rule.subject == "notice" and rule.action == "preview_draft":
        done = _try_preview(clients, seed, role)
    elif rule.subject == "notice":
        done = _try_notice(app, seed, rule, role)
    elif rule.subject == "campaign":
        done = _try_campaign(clients, admin, rule, role)
    else:
        pytest.fail(f"no way to exercise {rule}; add one here")
    assert done is expected, f"{role} {'should' if expected else 'should not'} be able to {rule}"


def test_finding_2_reviewer_cannot_reopen_escalated_nor_send_an_approved_notice(
    reviewer: TestClient, supervisor: TestClient, seed: Any, app: FastAPI
) -> None:
    """Issue 17, finding 2, over the REST API as the attacker did it."""
    lid = seed.listing("标题", "包授权")
    url = f"/api/v1/listings/{lid}/reviews"
    assert reviewer.post(url, json={"action": "escalate"}).json()["status"] == "escalated"
    r = reviewer.post(url, json={"action": "reopen"})
    assert r.status_code == 403 and "supervisor" in r.json()["detail"]
    assert reviewer.post(url, json={"action": "dismiss", "reason": "x"}).status_code == 403
    # a supervisor's decision cannot be undone by a reviewer through reopen either
    assert supervisor.post(url, json={"action": "confirm"}).json()["status"] == "confirmed"
    assert reviewer.post(url, json={"action": "reopen"}).status_code == 403
    assert supervisor.post(url, json={"action": "reopen"}).json()["status"] == "flagged"

    with session_scope(app.state.sessionmaker) as s:
        ref = _notice_in(s, seed, NoticeStatus.approved).reference
    r = reviewer.post(f"/api/v1/takedowns/{ref}/status", json={"status": "sent"})
    assert r.status_code == 403 and "supervisor" in r.json()["detail"]
    assert (
        supervisor.post(f"/api/v1/takedowns/{ref}/status", json={"status": "sent"}).json()["status"]
        == "sent"
    )
