"""The crawl's classify stage applies the office's register once one has been imported."""

from __future__ import annotations

from pathlib import Path

from scrapy.utils.test import get_crawler

from classifiers.licensed import read_register_csv
from crawler.pipelines.classify import ClassifyPipeline
from store.db import make_engine, make_sessionmaker, session_scope, upgrade
from store.licensed import import_register

AGENCIES = """机构代码,机构名称,状态,机构类型,成立年份,代理师人数,信用等级
11001,北京明正专利代理有限公司,正常,有限责任公司,2001,25,A
"""
UNLISTED = "深圳快证知识产权代理有限公司，专业专利代理，机构代码99999，微信同号13800138000"


def _register_rules(database_url: str) -> set[str]:
    crawler = get_crawler(settings_dict={"LANTIAN_DATABASE_URL": database_url})
    verdict = ClassifyPipeline.from_crawler(crawler)._classify(UNLISTED, "")
    return {hit.rule for hit in verdict.hits if hit.rule.startswith("licensed.")}


def test_register_check_runs_only_once_a_register_is_imported(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'lantian.db'}"
    engine = make_engine(url)
    upgrade(engine)
    assert _register_rules(url) == set(), "an empty register must not make every firm unlicensed"

    csv = tmp_path / "agencies.csv"
    csv.write_text(AGENCIES, encoding="utf-8")
    agencies, agents = read_register_csv(csv)
    with session_scope(make_sessionmaker(engine)) as session:
        import_register(session, agencies, agents, replace=False)
    engine.dispose()
    assert {"licensed.unknown_agency_code", "licensed.unlisted_company"} <= _register_rules(url)
