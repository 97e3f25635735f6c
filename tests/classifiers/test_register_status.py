"""An actor that names an agency or agent is matched against the imported register."""

from __future__ import annotations

from classifiers.licensed import AgencyRecord, AgentRecord, LicensedRegistry
from classifiers.register_status import check_actor

REGISTRY = LicensedRegistry(
    [
        AgencyRecord("11001", "北京正道专利代理事务所（普通合伙）", status="正常"),
        AgencyRecord("33002", "杭州旧名知识产权代理有限公司", status="已注销"),
    ],
    [
        AgentRecord(
            "张三", "1101234567.8", agency_code="11001", agency_name="北京正道专利代理事务所"
        ),
        AgentRecord("李四", "3307654321.0", agency_code="44009", agency_name="深圳某代理有限公司"),
    ],
)


def test_statuses_from_the_register() -> None:
    assert check_actor(REGISTRY).status == "unnamed"
    assert check_actor(REGISTRY, agency_codes=["11001"]).status == "licensed"
    assert check_actor(REGISTRY, agency_names=["北京正道专利代理事务所"]).status == "licensed"
    assert check_actor(REGISTRY, agency_codes=["99999"]).status == "unlicensed"
    revoked = check_actor(REGISTRY, agency_codes=["33002"])
    assert revoked.status == "revoked" and "已注销" in revoked.findings[0].detail
    elsewhere = check_actor(REGISTRY, agency_codes=["11001"], agent_numbers=["3307654321.0"])
    assert elsewhere.status == "agent_elsewhere"
    assert any("深圳某代理有限公司" in f.detail for f in elsewhere.findings)
    own = check_actor(REGISTRY, agency_codes=["11001"], agent_numbers=["1101234567.8"])
    assert own.status == "licensed"
