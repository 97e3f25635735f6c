"""``lantian crawl --replay``: real archived result pages crawled end to end, no network.

The archive is the shared folder of real pages (``../shared/real-pages/serps``);
every result of every replayed result page becomes a ``serp_result`` listing
with its query and rank, classified and stored like any other listing.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from lantian.config import PROJECT_ROOT
from spiders.archive import read_warc
from spiders.check import url_key
from tests.commands import json_summary, run_command
from tests.crawler.conftest import crawl_cmd, crawl_env, write_campaign

SERPS = PROJECT_ROOT.parent / "shared" / "real-pages" / "serps"
ENGINES = {"baidu": "baidu", "360": "so360", "bing": "bing", "sogou": "sogou"}
#: the path each profile's query template searches (other archived pages are not entry pages)
SEARCH_PATHS = {"baidu": "/s", "so360": "/s", "bing": "/search", "sogou": "/web"}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not SERPS.is_dir(), reason=f"real archived pages not found at {SERPS}"),
]


def _replayable() -> dict[str, dict[str, Any]]:
    """Annotated pages the replay enters at, by the URL the platform served."""
    out = {}
    for warc in sorted(SERPS.glob("*.warc.gz")):
        engine = warc.name.split("-", 1)[0]
        if engine not in ENGINES:
            continue
        url = next(read_warc(warc)).url
        if urlsplit(url).path != SEARCH_PATHS[ENGINES[engine]]:
            continue
        expected = json.loads((SERPS / warc.name.replace(".warc.gz", ".expected.json")).read_text())
        out[url] = {"profile": ENGINES[engine], **expected}
    return out


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    root = tmp_path_factory.mktemp("replay")
    campaign = write_campaign(root / "replay.yaml", {}, keywords=["专利"], depth=1, pages=1)
    spec = campaign.read_text(encoding="utf-8").replace(
        "platforms: []", "platforms: [baidu, so360, bing, sogou]"
    )
    campaign.write_text(spec, encoding="utf-8")
    proc = run_command(
        crawl_cmd(campaign, "--replay", str(SERPS)),
        # Replay never touches the network, so the private-network guard may stay on.
        env={**crawl_env(root / "var"), "LANTIAN_ALLOW_PRIVATE_NETWORKS": "false"},
        cwd=root,
        timeout=300,
    )
    summary = json_summary(proc)
    return root / "var" / "lantian.db", summary


def test_every_replayed_page_becomes_ranked_results(replayed: tuple[Path, dict[str, Any]]) -> None:
    db, summary = replayed
    pages = _replayable()
    assert len(pages) >= 20
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "select l.page_kind, l.url, l.title, v.fields, p.key from listings l "
            "join listing_versions v on v.id = l.current_version_id "
            "join platforms p on p.id = l.platform_id"
        ).fetchall()
    results: dict[str, list[dict[str, Any]]] = {}
    for kind, url, title, fields, platform in rows:
        assert kind == "serp_result", f"only the archived pages exist, not {url}"
        data = json.loads(fields)
        assert data["engine"] == platform
        results.setdefault(data["serp_url"], []).append({"url": url, "title": title, **data})
    for serp_url, page in pages.items():
        got = results.get(serp_url, [])
        assert got, f"no results stored for {serp_url}"
        found = {url_key(r["url"]) for r in got}
        annotated = [r["url"] for r in page["results"]]
        share = sum(url_key(u) in found for u in annotated) / len(annotated)
        assert share >= 0.95, f"{serp_url}: {share:.2f} of the annotated results stored"
        assert sorted(r["rank"] for r in got) == list(range(1, len(got) + 1))
        assert all(r["query"] for r in got), "every result keeps the query it answered"
        assert all(r["title"] for r in got)
    assert summary["stored"] == len(rows)


def test_results_are_classified(replayed: tuple[Path, dict[str, Any]]) -> None:
    db, _ = replayed
    with sqlite3.connect(db) as conn:
        unclassified = conn.execute(
            "select count(*) from listing_versions v left join classifications c "
            "on c.version_id = v.id where c.id is null"
        ).fetchone()[0]
    assert unclassified == 0


def test_replay_of_no_warc_is_bad_input(tmp_path: Path) -> None:
    campaign = write_campaign(tmp_path / "c.yaml", {}, keywords=["专利"])
    campaign.write_text(
        campaign.read_text("utf-8").replace("platforms: []", "platforms: [baidu]"), "utf-8"
    )
    (tmp_path / "empty").mkdir()
    proc = subprocess.run(
        crawl_cmd(campaign, "--replay", str(tmp_path / "empty")),
        env=crawl_env(tmp_path / "var"),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "no WARC file there" in " ".join(proc.stderr.split())
