"""The listing page shows each legal basis with its checked status as a badge, not inline text."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from test_ui_views import _login

from classifiers.categories import load_categories


def test_unchecked_citations_carry_a_badge_and_checked_ones_do_not(
    client: TestClient, users: dict[str, str], seed
) -> None:  # type: ignore[no-untyped-def]
    lid = seed.listing(
        "挂证 证书挂靠",
        "出租专利代理师资格证，人不用到岗",
        categories=("certificate_renting",),
        hits=[("renting", "挂证")],
    )
    _login(client, "reviewer")
    html = client.get(f"/listings/{lid}").text
    assert "verify" not in html.lower()
    items = re.findall(r'<li class="citation citation-(\w+)">(.*?)</li>', html, re.S)
    by_status: dict[str, list[str]] = {}
    for status, body in items:
        by_status.setdefault(status, []).append(body)
    cat = load_categories()["certificate_renting"]
    [unchecked] = cat.unchecked_bases
    assert any(unchecked in body for body in by_status["unchecked"])
    assert all('<span class="badge badge-unchecked"' in body for body in by_status["unchecked"])
    assert all("待核实" not in body for body in by_status["checked"])
    assert any(cat.legal_bases[0] in body for body in by_status["checked"])
    # the hit's stored free-form basis is not on the checked list: marked, not trusted
    assert any("商标法第六十八条" in body for body in by_status["unchecked"])
