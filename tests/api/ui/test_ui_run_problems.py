"""The campaign page shows, per platform, what the last run noticed: a broken profile, a block."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from store.db import session_scope
from store.models import Campaign, CampaignRun, RunStatus
from store.problems import record_problem

PASSWORD = "correct horse battery"


def _login(client: TestClient, username: str) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )


def test_campaign_page_lists_problems_per_platform_escaped(
    client: TestClient, users: dict[str, str], db: sessionmaker[Session]
) -> None:
    with session_scope(db) as s:
        campaign = Campaign(name="蓝天-搜索", keywords=["专利"], platforms=["baidu", "jd"])
        s.add(campaign)
        s.flush()
        old = CampaignRun(campaign_id=campaign.id, status=RunStatus.succeeded)
        s.add(old)
        s.flush()
        record_problem(
            s,
            run_id=old.id,
            platform="jd",
            page_type="search",
            kind="blocked",
            message="blocked: jd.search: old run",
            url="https://passport.jd.com/",
            count=1,
            sample_path=None,
        )
        last = CampaignRun(campaign_id=campaign.id, status=RunStatus.succeeded)
        s.add(last)
        s.flush()
        for kind, page_type, message in [
            (
                "broken",
                "results",
                "profile broken: baidu.results: <script>x()</script> matched nothing",
            ),
            (
                "blocked",
                "results",
                "blocked: baidu.results: 百度安全验证 on https://wappass.baidu.com/",
            ),
        ]:
            record_problem(
                s,
                run_id=last.id,
                platform="baidu",
                page_type=page_type,
                kind=kind,
                message=message,
                url="https://www.baidu.com/s?wd=x",
                count=3,
                sample_path=None,
            )
    _login(client, "supervisor")
    html = client.get("/campaigns").text
    block = html[html.index('data-platform="baidu"') :]
    assert "选择器失效" in block and "被拦截（验证码/登录）" in block
    assert "百度安全验证" in block and "（3 页）" in block
    assert "<script>x()</script>" not in html and "&lt;script&gt;x()&lt;/script&gt;" in html
    assert "old run" not in html, "only the last run's problems"
