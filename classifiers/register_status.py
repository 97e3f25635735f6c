"""What the register says about an actor that names an agency, an agency code or an agent.

Statuses, worst first: ``revoked`` (the named agency's licence is revoked or
cancelled), ``unlicensed`` (the named agency or code is not in the register),
``agent_elsewhere`` (a named agent is registered at a different agency),
``licensed``; ``unnamed`` when the actor names no agency or agent at all.
Store-free: the caller passes what the actor's listings named.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from classifiers.licensed import AgencyRecord, LicensedRegistry

STATUS_ORDER: tuple[str, ...] = ("revoked", "unlicensed", "agent_elsewhere", "licensed", "unnamed")
STATUS_LABELS: dict[str, str] = {
    "revoked": "执业许可已撤销/注销",
    "unlicensed": "未取得执业许可",
    "agent_elsewhere": "代理师登记在其他机构",
    "licensed": "持有执业许可",
    "unnamed": "未具名代理机构",
}
_REVOKED_MARKERS = ("撤销", "吊销", "注销", "revoked", "cancelled", "canceled")


@dataclass(frozen=True)
class RegisterFinding:
    status: str
    detail: str


@dataclass(frozen=True)
class RegisterStatus:
    status: str
    findings: list[RegisterFinding] = field(default_factory=list)
    agency: AgencyRecord | None = None

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


def _revoked(agency: AgencyRecord) -> bool:
    return any(marker in agency.status.lower() for marker in _REVOKED_MARKERS)


def check_actor(
    registry: LicensedRegistry,
    *,
    agency_codes: Iterable[str] = (),
    agency_names: Iterable[str] = (),
    agent_numbers: Iterable[str] = (),
) -> RegisterStatus:
    """Match what an actor names against the register; the worst finding is the status."""
    findings: list[RegisterFinding] = []
    named: list[AgencyRecord] = []
    for code in sorted(set(agency_codes)):
        agency = registry.agency_by_code(code)
        if agency is None:
            findings.append(RegisterFinding("unlicensed", f"机构代码{code}不在执业许可名录中"))
        else:
            named.append(agency)
    for name in sorted(set(agency_names)):
        agency = registry.agency_by_name(name)
        if agency is None:
            findings.append(RegisterFinding("unlicensed", f"“{name}”不在执业许可名录中"))
        elif agency not in named:
            named.append(agency)
    for agency in named:
        if _revoked(agency):
            findings.append(
                RegisterFinding(
                    "revoked", f"{agency.name}（{agency.code}）名录状态：{agency.status}"
                )
            )
        else:
            findings.append(
                RegisterFinding(
                    "licensed",
                    f"{agency.name}（{agency.code}）在名录中，状态：{agency.status or '正常'}",
                )
            )
    own_codes = {a.code for a in named}
    by_cert = {a.certificate_no: a for a in registry.agents}
    by_cert.update({a.practice_no: a for a in registry.agents if a.practice_no})
    for number in sorted({n.upper() for n in agent_numbers}):
        agent = by_cert.get(number)
        if agent is None:
            findings.append(RegisterFinding("unlicensed", f"证号{number}不在专利代理师名录中"))
        elif own_codes and agent.agency_code not in own_codes:
            findings.append(
                RegisterFinding(
                    "agent_elsewhere",
                    f"代理师{agent.name}（{number}）登记在{agent.agency_name or agent.agency_code}，"
                    "而非本主体所称机构",
                )
            )
        else:
            findings.append(
                RegisterFinding(
                    "licensed",
                    f"代理师{agent.name}（{number}）登记在{agent.agency_name or agent.agency_code}",
                )
            )
    if not findings:
        return RegisterStatus("unnamed")
    worst = min(findings, key=lambda f: STATUS_ORDER.index(f.status)).status
    return RegisterStatus(worst, findings, named[0] if named else None)
