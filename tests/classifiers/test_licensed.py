"""The register CSV, its import into the store, and the licensed-agency check in classification."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from classifiers import Classifier
from classifiers.licensed import LicensedCsvError, read_register_csv
from lantian.cli import app
from lantian.config import Settings
from store.licensed import import_register, load_registry

AGENCIES = """机构代码,机构名称,状态,机构类型,成立年份,代理师人数,信用等级
11001,北京明正专利代理有限公司,正常,有限责任公司,2001,25,A
32002,南京知行专利事务所（普通合伙）,正常,合伙,2010,8,B
"""
AGENTS = """姓名,资格证号,执业证号,专业,机构代码,机构名称
张三,1234567890,11001A001,机械,11001,北京明正专利代理有限公司
李四,2234567890,32002B002,电学,32002,南京知行专利事务所（普通合伙）
李四,2234567890,11001A009,电学,11001,北京明正专利代理有限公司
"""


@pytest.fixture
def register_files(tmp_path: Path) -> tuple[Path, Path]:
    agencies = tmp_path / "agencies.csv"
    agents = tmp_path / "agents.csv"
    agencies.write_text(AGENCIES, encoding="utf-8")
    agents.write_text(AGENTS, encoding="utf-8")
    return agencies, agents


def test_import_into_store_and_flag(
    session: Session, register_files: tuple[Path, Path], classifier: Classifier
) -> None:
    for path in (*register_files, register_files[0]):  # a second import merges by code
        agencies, agents = read_register_csv(path)
        import_register(session, agencies, agents, replace=False)
    session.commit()
    registry = load_registry(session)
    assert len(registry.agencies) == 2 and len(registry.agents) == 3
    assert registry.agency_by_code("11001") is not None
    assert registry.agency_by_name("南京知行专利事务所") is not None
    assert set(registry.agents_in_several_agencies()) == {"2234567890"}

    checked = classifier.with_registry(registry)
    listed = checked.classify("北京明正专利代理有限公司（机构代码11001），承接专利代理业务。")
    assert not listed.irregular and not listed.hits

    unlisted = checked.classify(
        "深圳快证知识产权代理有限公司，专业专利代理，机构代码99999，微信同号13800138000"
    )
    assert unlisted.irregular
    assert unlisted.categories[0] == "unlicensed_agency"
    rules = {h.rule for h in unlisted.hits}
    assert {"licensed.unknown_agency_code", "licensed.unlisted_company"} <= rules
    assert classifier.registry is None  # the shared classifier is untouched

    doubled = checked.classify("代理师李四，资格证号：2234567890，为您服务")
    assert any(h.rule == "licensed.agent_in_several_agencies" for h in doubled.hits)


def test_bad_csv_names_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("机构代码,机构名称,成立年份\n1234,短代码,2001\n", encoding="utf-8")
    with pytest.raises(LicensedCsvError, match=r"bad\.csv:2: field code"):
        read_register_csv(path)
    path.write_text("foo,bar\n1,2\n", encoding="utf-8")
    with pytest.raises(LicensedCsvError, match="header lacks"):
        read_register_csv(path)


def test_agencies_cli(settings: Settings, register_files: tuple[Path, Path]) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["agencies", "import", *map(str, register_files)])
    assert result.exit_code == 0, result.output
    assert "2 agencies and 3 agents" in result.stderr
    result = runner.invoke(app, ["agencies", "check"])
    assert result.exit_code == 1
    assert "2234567890" in result.stdout
