"""Fixtures of the takedown tests."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session
from td_seed import Seeded, add_listing, add_user

from store.models import Role


@pytest.fixture
def seeded(session: Session) -> Seeded:
    listings = [
        add_listing(
            session,
            "taobao",
            "https://item.taobao.com/item.htm?id=1",
            title="发明专利包授权 不过全额退款",
            text="专利代理 包授权 100%下证 加微信 zl8888",
            shop="快通知识产权",
            categories=["guaranteed_grant"],
        ),
        add_listing(
            session,
            "taobao",
            "https://item.taobao.com/item.htm?id=2",
            title='=HYPERLINK("http://evil")',
            text="+cmd|' /C calc'!A0 挂证 证书挂靠",
            shop="快通知识产权",
            categories=["certificate_renting", "guaranteed_grant"],
        ),
        add_listing(
            session,
            "taobao",
            "https://item.taobao.com/item.htm?id=3",
            title="@SUM(1+1) 商标注册包通过",
            text="-2+3 商标 100%注册成功",
            shop="  -恶意店铺\n::items::",
            categories=["guaranteed_grant"],
            region="广东",
        ),
        add_listing(
            session,
            "jd",
            "https://item.jd.com/100.html",
            title="专利加急 保过",
            text="不授权全额退款",
            shop="京东某店",
            categories=["guaranteed_grant"],
            region="广东",
        ),
    ]
    supervisor = add_user(session, "sup", Role.supervisor)
    reviewer = add_user(session, "rev", Role.reviewer)
    session.commit()
    return Seeded(listings, supervisor, reviewer)
