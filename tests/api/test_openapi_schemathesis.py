"""The OpenAPI spec, fuzzed by schemathesis: no request to any operation may produce a server error.

Every operation of the schema is exercised (the test fails if one is left
out), on a database seeded with listings, captures and a notice so that ids
near 1 reach real rows.  Bounded: ``EXAMPLES`` cases per operation, about half a
minute in all.  No campaign exists, so the operations that would launch a crawl
(starting or cancelling runs) answer 404; the test checks that no run was
started, which keeps that assumption honest.
"""

from __future__ import annotations

import time
from typing import Any

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.python import asgi
from sqlalchemy import func, select

from store.db import session_scope
from store.models import CampaignRun, ListingStatus

EXAMPLES = 15
BUDGET_S = 240.0
"""A run far over this means the fuzzing has stopped being a unit test; it fails."""


def _seed(seed: Any, png: bytes) -> None:
    seed.listing("专利包授权", "包授权 加微信 wx123", platform="taobao", screenshot=png)
    seed.listing("=cmd|' /C calc'!A0", "挂证", platform="taobao", status=ListingStatus.confirmed)
    seed.listing("已排除", "新闻", status=ListingStatus.dismissed, categories=())
    seed.listing("上报", "保过", status=ListingStatus.escalated)


def test_no_server_errors(app: FastAPI, users: dict[str, str], seed: Any, png: bytes) -> None:
    _seed(seed, png)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {users['admin']}"}
    failures: list[str] = []
    exercised: set[tuple[str, str]] = set()
    started = time.monotonic()
    client = asgi.get_client(app)
    client.__enter__()
    try:
        for result in schema.get_all_operations():
            operation = result.ok()
            exercised.add((operation.method.upper(), operation.path))

            @given(case=operation.as_strategy())
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def exercise(case: Any) -> None:
                response = case.call(headers=headers, session=client)
                if response.status_code >= 500:
                    failures.append(
                        f"{case.method} {case.formatted_path} -> {response.status_code}: "
                        f"{response.text[:200]}"
                    )

            exercise()
    finally:
        client.__exit__(None, None, None)
    elapsed = time.monotonic() - started
    every = {(op.ok().method.upper(), op.ok().path) for op in schema.get_all_operations()}
    assert exercised == every and len(every) >= 45
    assert ("POST", "/api/v1/campaigns/{campaign_id}/runs") in exercised  # once left out
    assert not failures, "\n".join(failures)
    assert elapsed < BUDGET_S, f"fuzzing took {elapsed:.0f} s"
    with session_scope(app.state.sessionmaker) as s:
        assert s.scalar(select(func.count()).select_from(CampaignRun)) == 0
