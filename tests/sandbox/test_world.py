"""Properties of the generated world and its truth (no HTTP)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from typer.testing import CliRunner

from lantian.cli import app
from sandbox import CATEGORIES, build_world, truth_records
from sandbox.disguise import TECHNIQUES
from sandbox.truth import base_urls

URLS = base_urls("127.0.0.1", 8700)


@pytest.fixture(scope="module")
def truth() -> list[dict[str, Any]]:
    return truth_records(build_world(2025), URLS)


def content(truth: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pages a crawler can get and store as listings (not shops, not dead links)."""
    return [r for r in truth if r["reachable"] and r["kind"] != "shop"]


def test_size_and_balance(truth: list[dict[str, Any]]) -> None:
    pages = content(truth)
    assert len(pages) >= 600
    irregular = [r for r in pages if r["irregular"]]
    negatives = [r for r in pages if not r["irregular"]]
    assert len(negatives) >= len(irregular) >= 300
    per_category = Counter(c for r in irregular for c in r["categories"])
    first = Counter(r["categories"][0] for r in irregular)
    for category in CATEGORIES:
        assert per_category[category] >= 40, (category, per_category)
        assert first[category] >= 40, (category, first)
    assert (
        sum(len(r["categories"]) > 1 for r in irregular) >= 50
    )  # several categories on some pages


def test_every_platform_has_both_kinds(truth: list[dict[str, Any]]) -> None:
    for platform in URLS:
        on = [r for r in content(truth) if r["platform"] == platform]
        assert sum(r["irregular"] for r in on) >= 80, platform
        assert sum(not r["irregular"] for r in on) >= 80, platform


def test_hard_negatives_share_the_vocabulary(truth: list[dict[str, Any]]) -> None:
    negatives = [r for r in content(truth) if not r["irregular"]]
    genres = Counter(r["genre"] for r in negatives)
    for genre in (
        "licensed_agency",
        "product",
        "news",
        "warning",
        "scam_question",
        "victim",
        "exam_prep",
        "tech_transfer",
    ):
        assert genres[genre] >= 5, (genre, genres)
    texts = "\n".join(r["text"] for r in negatives)
    for phrase in (
        "包授权",
        "挂证",
        "不承诺授权结果",
        "专利号",
        "官方授权店",
        "包邮",
        "全额退款",
        "保过班",
        "专利转化",
    ):
        assert phrase in texts, phrase


def test_disguises_and_placements_are_varied(truth: list[dict[str, Any]]) -> None:
    irregular = [r for r in content(truth) if r["irregular"]]
    used = Counter(d for r in irregular for d in r["disguises"])
    for technique in TECHNIQUES:
        assert used[technique] >= 5, (technique, used)
    assert sum(not r["disguises"] for r in irregular) >= 100  # plenty of plain wording too
    places = Counter(r["claim_location"] for r in irregular)
    assert places["banner"] >= 10 and places["reply"] >= 10 and places["body"] >= 200
    assert sum(r["genre"] == "seo_qa" for r in irregular) >= 60
    # wording varies: few exact duplicate bodies among irregular pages (city templates aside)
    bodies = Counter(
        r["text"].split("\n", 2)[-1] if r["kind"] == "landing" else r["text"] for r in irregular
    )
    assert max(bodies.values()) <= 3


def test_transport_features(truth: list[dict[str, Any]]) -> None:
    pages = [r for r in truth if r["kind"] != "shop" and r["genre"] != "stub"]
    encodings = Counter(r["encoding"] for r in pages)
    share = 1 - encodings["utf-8"] / len(pages)
    assert 0.10 <= share <= 0.22, encodings
    assert encodings["gbk"] and encodings["gb18030"] and encodings["big5"]
    assert {r["charset_in"] for r in pages if r["encoding"] != "utf-8"} == {
        "header",
        "meta",
        "both",
    }
    mislabelled = [r for r in pages if r["charset_label"] != r["encoding"]]
    assert mislabelled and all(
        (r["encoding"], r["charset_label"]) == ("gbk", "gb2312") for r in mislabelled
    )
    for platform in URLS:
        on = [r for r in truth if r["platform"] == platform]
        faults = Counter(r["fault"] for r in on)
        assert faults["slow"] and faults["transient_500"] and faults["transient_429"], platform
        assert faults["not_found"] and faults["error_500"], platform
        assert sum(r["robots_disallowed"] for r in on) >= 3
        assert all("/private/" in r["url"] for r in on if r["robots_disallowed"])
    items = [r for r in truth if r["platform"] == "taobaobei" and r["kind"] == "listing"]
    assert all(r["js_rendered"] for r in items)
    assert {r["js_mode"] for r in items} == {"inline", "fetch"}
    assert any(r["redirect_from"] for r in truth if r["platform"] == "sousou")


def test_fields_for_spiders(truth: list[dict[str, Any]]) -> None:
    for r in content(truth):
        fields = r["fields"]
        assert fields["title"]
        if r["kind"] == "listing":
            assert {"price", "sales", "shop", "seller", "region"} <= set(fields)
        if r["kind"] == "thread":
            assert fields["author"] and fields["board"] and fields["pages"] >= 1
    long_threads = [
        r for r in content(truth) if r["kind"] == "thread" and r["fields"]["pages"] >= 3
    ]
    assert len(long_threads) >= 10


def test_text_lengths(truth: list[dict[str, Any]]) -> None:
    lengths = sorted(len(r["text"]) for r in content(truth))
    median = lengths[len(lengths) // 2]
    assert 120 <= median <= 600
    assert sum(n < 60 for n in lengths) <= len(lengths) * 0.05
    assert sum(n > 800 for n in lengths) >= 5  # a few long ones


def test_same_seed_same_world_different_seed_different(truth: list[dict[str, Any]]) -> None:
    a = truth
    b = truth_records(build_world(2025), URLS)
    c = truth_records(build_world(7), URLS)
    assert json.dumps(a, ensure_ascii=False) == json.dumps(b, ensure_ascii=False)
    assert [r["text"] for r in a] != [r["text"] for r in c]


def test_cli_truth_prints_json_lines(truth: list[dict[str, Any]]) -> None:
    result = CliRunner().invoke(app, ["sandbox", "truth", "--base-port", "8700", "--no-text"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == len(truth)
    assert lines[0]["url"].startswith("http://127.0.0.1:8700/")
    assert "text" not in lines[0]
    assert [r["url"] for r in lines] == [r["url"] for r in truth]


def test_cli_truth_rejects_bad_port() -> None:
    result = CliRunner().invoke(app, ["sandbox", "truth", "--base-port", "70000"])
    assert result.exit_code == 2


def test_cli_stats_agree_with_the_truth(truth: list[dict[str, Any]]) -> None:
    result = CliRunner().invoke(app, ["sandbox", "stats", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    listings = content(truth)
    assert figures["total"]["listings"] == len(listings)
    assert figures["total"]["irregular"] == sum(r["irregular"] for r in listings)
    assert figures["platforms"]["taobaobei"]["robots_disallowed"] == sum(
        r["robots_disallowed"] for r in truth if r["platform"] == "taobaobei"
    )
    assert figures["categories"]["false_claims"] == sum(
        "false_claims" in r["categories"] for r in listings
    )


def test_no_template_slot_is_left_unfilled(truth: list[dict[str, Any]]) -> None:
    """A page must never show a generator slot such as ``{city}``."""
    import re

    slot = re.compile(r"\{[a-z_]+\}")
    leaks = [
        (row["id"], value)
        for row in truth
        for value in (row["fields"].get("title", ""), row.get("text", ""))
        if isinstance(value, str) and slot.search(value)
    ]
    assert leaks == []
