"""The real-platform profiles on real archived result pages (../shared/real-pages/).

Each WARC is read as the crawl's replay reads it, the profile's entry page type
is applied as the spider applies it (``spiders.results.followed``), and the links
it would follow are compared with the hand-checked annotations of that page.
"""

from __future__ import annotations

import pytest

from lantian.config import PROJECT_ROOT
from spiders.archive import read_warc
from spiders.check import MIN_COVERAGE, check_page, coverage, expected_urls
from spiders.profile import load_profile

SERPS = PROJECT_ROOT.parent / "shared" / "real-pages" / "serps"
PROFILES = PROJECT_ROOT / "spiders" / "profiles"
#: file-name prefix of the archived pages -> the profile that reads them
ENGINES = {"baidu": "baidu", "sogou": "sogou", "bing": "bing", "jd": "jd", "360": "so360"}


def _pages() -> list[tuple[str, str]]:
    if not SERPS.is_dir():
        return []
    return [
        (w.name.removesuffix(".warc.gz"), ENGINES[w.name.split("-", 1)[0]])
        for w in sorted(SERPS.glob("*.warc.gz"))
        if w.name.split("-", 1)[0] in ENGINES
    ]


PAGES = _pages()
needs_pages = pytest.mark.skipif(
    not PAGES, reason=f"real archived pages not found at {SERPS} (see the issue's shared folder)"
)


@needs_pages
def test_every_engine_has_pages() -> None:
    assert {profile for _, profile in PAGES} == set(ENGINES.values())


@needs_pages
@pytest.mark.parametrize(("name", "key"), PAGES, ids=[name for name, _ in PAGES])
def test_profile_follows_the_annotated_results(name: str, key: str) -> None:
    profile = load_profile(PROFILES / f"{key}.yaml")
    response = next(read_warc(SERPS / f"{name}.warc.gz"))
    report = check_page(profile, profile.start.entry, response)
    got = coverage(name, report, expected_urls(SERPS / f"{name}.expected.json"))
    print(f"{name}: {key} follows {got.found}/{got.expected} = {got.ratio:.2f}")
    assert report.blocked is None
    assert got.expected > 0
    assert got.ratio >= MIN_COVERAGE, f"{name}: {got.ratio:.2f}; missing {got.missing[:5]}"


@needs_pages
@pytest.mark.parametrize("prefix", ["baidu-1569971117", "360-1580014331", "bing-1660552923"])
def test_results_carry_rank_title_and_snippet(prefix: str) -> None:
    key = ENGINES[prefix.split("-", 1)[0]]
    profile = load_profile(PROFILES / f"{key}.yaml")
    report = check_page(profile, profile.start.entry, next(read_warc(SERPS / f"{prefix}.warc.gz")))
    assert [r.rank for r in report.results] == list(range(1, len(report.results) + 1))
    with_title = [r for r in report.results if r.title]
    with_snippet = [r for r in report.results if r.snippet]
    assert len(with_title) == len(report.results)
    assert len(with_snippet) >= 0.8 * len(report.results)
    assert report.next_page, "result pages of these engines have a next page"
