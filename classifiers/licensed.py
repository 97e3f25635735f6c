"""The licensed-agency check: who may do patent agency work, and who claims to without a licence.

CNIPA offers no bulk download of its register, so the office maintains a CSV
(one file of agencies and one of agents, or both kinds in separate files) that
``lantian agencies import`` loads into the store.  This module knows nothing of
the store: it reads the CSV into records, and :class:`LicensedRegistry`
answers the questions the classifier and the reviewers ask.

Recognised headers (English or the Chinese of the CNIPA look-up):

- agencies: ``code``/机构代码, ``name``/机构名称, ``kind``/类型, ``status``/状态,
  ``org_type``/机构类型, ``founded``/成立年份, ``agent_count``/代理师人数,
  ``credit_rating``/信用等级, ``address``/地址 (registered address; it places the
  agency under an office, see ``classifiers.offices``)
- agents: ``name``/姓名, ``certificate_no``/资格证号, ``practice_no``/执业证号,
  ``field``/专业, ``agency_code``/机构代码, ``agency_name``/机构名称, ``rating``/信用等级
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from classifiers.categories import load_categories
from classifiers.verdict import Entity, Hit

AGENCY_HEADERS = {
    "code": "code", "机构代码": "code", "name": "name", "机构名称": "name", "kind": "kind", "类型": "kind",
    "status": "status", "状态": "status", "org_type": "org_type", "机构类型": "org_type",
    "founded": "founded", "成立年份": "founded", "agent_count": "agent_count", "代理师人数": "agent_count",
    "credit_rating": "credit_rating", "信用等级": "credit_rating",
    "address": "address", "地址": "address", "住所": "address",
}  # fmt: skip
AGENT_HEADERS = {
    "name": "name", "姓名": "name", "certificate_no": "certificate_no", "资格证号": "certificate_no",
    "practice_no": "practice_no", "执业证号": "practice_no", "field": "field", "专业": "field",
    "agency_code": "agency_code", "机构代码": "agency_code", "agency_name": "agency_name",
    "机构名称": "agency_name", "rating": "rating", "信用等级": "rating",
}  # fmt: skip
_AGENCY_CODE = re.compile(r"^\d{5}$")
_CLAIMS_AGENCY_WORK = re.compile(
    r"专利代理|代理专利|代办专利|专利申请代理|代理申请专利|承接专利|专利事务所|知识产权代理|代为申请专利|代理机构"
)
_NAME_NOISE = re.compile(r"(股份)?有限(责任)?公司|事务所|（普通合伙）|\(普通合伙\)|[（）()\s]")


class LicensedCsvError(Exception):
    """The register CSV is malformed; the message names the file, line and field."""


@dataclass(frozen=True, slots=True)
class AgencyRecord:
    code: str
    name: str
    kind: str = "patent"
    status: str = ""
    org_type: str = ""
    founded: int | None = None
    agent_count: int | None = None
    credit_rating: str = ""
    address: str = ""


@dataclass(frozen=True, slots=True)
class AgentRecord:
    name: str
    certificate_no: str
    practice_no: str = ""
    field: str = ""
    agency_code: str = ""
    agency_name: str = ""
    rating: str = ""


def _int_or_none(value: str, path: Path, line: int, field: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise LicensedCsvError(
            f"{path}:{line}: field {field}: expected a whole number, got {value!r}"
        ) from exc


def read_register_csv(path: Path) -> tuple[list[AgencyRecord], list[AgentRecord]]:
    """Read one CSV of agencies or of agents (told apart by the header); the other list is empty."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise LicensedCsvError(f"{path}: cannot read as UTF-8: {exc}") from exc
    reader = csv.DictReader(text.splitlines())
    headers = [h.strip() for h in reader.fieldnames or []]
    is_agents = any(AGENT_HEADERS.get(h) == "certificate_no" for h in headers)
    mapping = AGENT_HEADERS if is_agents else AGENCY_HEADERS
    fields = {h: mapping[h] for h in headers if h in mapping}
    required = {"name", "certificate_no"} if is_agents else {"code", "name"}
    missing = required - set(fields.values())
    if missing:
        raise LicensedCsvError(
            f"{path}: header lacks {sorted(missing)} (found {headers}); see classifiers.licensed for the columns"
        )
    agencies: list[AgencyRecord] = []
    agents: list[AgentRecord] = []
    for line, raw in enumerate(reader, 2):
        row = {
            fields[k.strip()]: (v or "").strip()
            for k, v in raw.items()
            if k and k.strip() in fields
        }
        for field in required:
            if not row.get(field):
                raise LicensedCsvError(f"{path}:{line}: field {field}: empty")
        if is_agents:
            agents.append(
                AgentRecord(
                    name=row["name"],
                    certificate_no=row["certificate_no"].upper(),
                    practice_no=row.get("practice_no", "").upper(),
                    field=row.get("field", ""),
                    agency_code=row.get("agency_code", ""),
                    agency_name=row.get("agency_name", ""),
                    rating=row.get("rating", ""),
                )
            )
        else:
            agencies.append(
                AgencyRecord(
                    code=row["code"],
                    name=row["name"],
                    kind=row.get("kind") or "patent",
                    status=row.get("status", ""),
                    org_type=row.get("org_type", ""),
                    founded=_int_or_none(row.get("founded", ""), path, line, "founded"),
                    agent_count=_int_or_none(row.get("agent_count", ""), path, line, "agent_count"),
                    credit_rating=row.get("credit_rating", ""),
                    address=row.get("address", ""),
                )
            )
            if row.get("kind", "patent") in ("", "patent") and not _AGENCY_CODE.match(row["code"]):
                raise LicensedCsvError(
                    f"{path}:{line}: field code: a patent agency code has five digits"
                )
    return agencies, agents


def name_key(name: str) -> str:
    """A company name without legal-form suffixes and brackets, for matching advertisers to the register."""
    return _NAME_NOISE.sub("", name)


class LicensedRegistry:
    """The imported register, indexed for the classifier's questions."""

    def __init__(self, agencies: Iterable[AgencyRecord], agents: Iterable[AgentRecord]) -> None:
        self.agencies = list(agencies)
        self.agents = list(agents)
        self._by_code = {a.code: a for a in self.agencies}
        self._by_name = {name_key(a.name): a for a in self.agencies}
        self._agents_by_cert: dict[str, list[AgentRecord]] = defaultdict(list)
        for agent in self.agents:
            self._agents_by_cert[agent.certificate_no].append(agent)
            if agent.practice_no:
                self._agents_by_cert[agent.practice_no].append(agent)

    def agency_by_code(self, code: str) -> AgencyRecord | None:
        return self._by_code.get(code)

    def agency_by_name(self, name: str) -> AgencyRecord | None:
        key = name_key(name)
        if not key:
            return None
        found = self._by_name.get(key)
        if found is None:
            for known, agency in self._by_name.items():
                if len(key) >= 4 and (key in known or known in key):
                    return agency
        return found

    def agents_in_several_agencies(self) -> dict[str, list[AgentRecord]]:
        """Certificate number -> the records placing that agent under more than one agency."""
        out: dict[str, list[AgentRecord]] = {}
        by_cert: dict[str, list[AgentRecord]] = defaultdict(list)
        for agent in self.agents:
            by_cert[agent.certificate_no].append(agent)
        for cert, records in by_cert.items():
            codes = {r.agency_code or r.agency_name for r in records}
            if len(codes) > 1:
                out[cert] = records
        return out

    def check(self, text: str, entities: Iterable[Entity]) -> list[Hit]:
        """Hits for an advertiser that claims agency work but is not in the register, or a doubled agent.

        Only when the text claims agency work and names who is behind it (a
        company, an agency code or an agent's certificate); an anonymous ad is
        left to the rules.
        """
        claim = _CLAIMS_AGENCY_WORK.search(text)
        categories = load_categories()
        ua_basis = categories["unlicensed_agency"].legal_basis
        cr_basis = categories["certificate_renting"].legal_basis
        hits: list[Hit] = []
        doubled = self.agents_in_several_agencies()
        for ent in entities:
            if ent.kind == "agency_code" and claim and self.agency_by_code(ent.value) is None:
                hits.append(
                    self._hit(
                        "licensed.unknown_agency_code",
                        "unlicensed_agency",
                        ent,
                        f"机构代码{ent.value}不在专利代理机构执业许可名录中",
                        ua_basis,
                    )
                )
            elif (
                ent.kind == "company" and claim and ent.value.endswith(("公司", "事务所", "工作室"))
            ):
                if self.agency_by_name(ent.value) is None:
                    hits.append(
                        self._hit(
                            "licensed.unlisted_company",
                            "unlicensed_agency",
                            ent,
                            f"宣称从事专利代理的“{ent.value}”未在执业许可名录中",
                            ua_basis,
                            0.6,
                        )
                    )
            elif ent.kind == "agent_licence":
                if ent.value in doubled:
                    hits.append(
                        self._hit(
                            "licensed.agent_in_several_agencies",
                            "certificate_renting",
                            ent,
                            f"代理师证号{ent.value}登记在多家代理机构",
                            cr_basis,
                            0.8,
                        )
                    )
                elif claim and ent.value not in self._agents_by_cert:
                    hits.append(
                        self._hit(
                            "licensed.unknown_agent",
                            "unlicensed_agency",
                            ent,
                            f"证号{ent.value}不在专利代理师名录中",
                            ua_basis,
                            0.6,
                        )
                    )
        return [replace(h, match=text[h.start : h.end]) for h in hits]

    @staticmethod
    def _hit(
        rule: str, category: str, ent: Entity, why: str, basis: str, weight: float = 0.7
    ) -> Hit:
        return Hit(rule=rule, category=category, severity="medium", weight=weight, start=ent.start,
                   end=ent.end, match="", explanation=why, legal_basis=basis)  # fmt: skip
