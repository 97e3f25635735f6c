"""Search results as findings, on the sandbox engine: ranked, ads marked, linked to landings.

The shipped ``sousou`` profile follows result links only; this variant reads
its results the way the real engines' profiles do (``results:``), so each
result is a ``serp_result`` listing and each landing page links back to it
through the click-through redirect chain.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from lantian.config import PROJECT_ROOT
from tests.crawler.conftest import run_crawl, write_campaign

pytestmark = [pytest.mark.slow]


@pytest.fixture(autouse=True, scope="module")
def fresh_sandbox(sandbox: Any) -> Iterator[None]:
    """The sandbox is shared: leave its transient-failure counters as other crawls expect."""
    yield
    sandbox.reset()


RESULTS = {
    "block": ".results > div.result",
    "link": "h3 a::attr(href)",
    "title": "h3 a",
    "snippet": ".result-snippet",
    "displayed_url": ".result-url",
    "ad": [{"xpath": "self::*[contains(@class, 'result-ad')]"}, ".ad-label"],
    "to": "landing",
}


@pytest.fixture(scope="module")
def crawled(sandbox: Any, tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    root = tmp_path_factory.mktemp("serp")
    profiles = root / "profiles"
    profiles.mkdir()
    data = yaml.safe_load((PROJECT_ROOT / "spiders/profiles/sousou.yaml").read_text("utf-8"))
    data["pages"]["results"].pop("follow")
    data["pages"]["results"]["results"] = RESULTS
    data["redirects"] = ["/link\\?"]
    (profiles / "sousou.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    campaign = write_campaign(
        root / "serp.yaml", {"sousou": sandbox.urls["sousou"]}, keywords=["评职称"], pages=1
    )
    result = run_crawl(campaign, root / "var", LANTIAN_PROFILES_DIR=str(profiles))
    assert result.returncode == 0, result.stderr[-3000:]
    with sqlite3.connect(result.db) as conn:
        rows = conn.execute(
            "select l.page_kind, l.url, l.canonical_url, l.title, v.fields, v.text, c.id, "
            "l.id, l.found_via_id "
            "from listings l join listing_versions v on v.id = l.current_version_id "
            "left join classifications c on c.version_id = v.id"
        ).fetchall()
    return [
        {
            "kind": k,
            "url": u,
            "canonical": c,
            "title": t,
            "fields": json.loads(f),
            "text": x,
            "classified": cid is not None,
            "id": lid,
            "found_via": via,
        }
        for k, u, c, t, f, x, cid, lid, via in rows
    ]


def test_each_result_is_a_ranked_classified_listing(crawled: list[dict[str, Any]]) -> None:
    results = [r for r in crawled if r["kind"] == "serp_result"]
    assert len(results) >= 5
    assert sorted(r["fields"]["rank"] for r in results) == list(range(1, len(results) + 1))
    for r in results:
        assert r["fields"]["engine"] == "sousou"
        assert r["fields"]["query"] == "评职称"
        assert r["title"] and r["fields"]["displayed_url"]
        assert r["title"] in r["text"] and r["fields"]["snippet"] in r["text"]
        assert r["classified"], "a result is classified like any listing"
    ads = [r for r in results if r["fields"]["ad"]]
    assert ads and all(r["fields"]["rank"] <= len(ads) for r in ads), "ads sit on top"


def test_landing_pages_link_back_with_the_redirect_chain(crawled: list[dict[str, Any]]) -> None:
    results = {r["canonical"]: r for r in crawled if r["kind"] == "serp_result"}
    landings = [r for r in crawled if r["kind"] == "landing"]
    assert landings
    linked = 0
    for landing in landings:
        origin = landing["fields"].get("from_result")
        assert origin is not None, f"{landing['url']} was reached from a result"
        serp = results[origin["listing"]]
        assert serp["url"] == origin["url"]
        assert landing["found_via"] == serp["id"], "the landing listing points at its result"
        assert origin["rank"] == serp["fields"]["rank"] and origin["query"] == "评职称"
        chain = landing["fields"].get("redirect_chain")
        if "/link?" in origin["url"]:
            assert chain and chain[0] == origin["url"] and chain[-1] == landing["url"]
            linked += 1
    assert linked, "some results go through the engine's click-through redirect"
