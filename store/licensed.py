"""The register of licensed agencies and agents, kept in the store.

The office imports it from CSV (``lantian agencies import``); the crawl's
classify stage loads it so that ``Classifier.with_registry`` can flag
advertisers that claim agency work without a licence.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from classifiers import AgencyRecord, AgentRecord, LicensedRegistry
from store.models import LicensedAgency, LicensedAgent


def import_register(
    session: Session, agencies: list[AgencyRecord], agents: list[AgentRecord], replace: bool
) -> tuple[int, int]:
    """Upsert agencies by code; agents are replaced per certificate.  Returns (agencies, agents) written."""
    if replace and agencies:
        session.execute(delete(LicensedAgency))
    if replace and agents:
        session.execute(delete(LicensedAgent))
    existing = {a.code: a for a in session.scalars(select(LicensedAgency))} if agencies else {}
    for rec in agencies:
        row = existing.get(rec.code) or LicensedAgency(code=rec.code)
        row.name, row.kind, row.status, row.org_type = rec.name, rec.kind, rec.status, rec.org_type
        row.founded, row.agent_count, row.credit_rating = (
            rec.founded,
            rec.agent_count,
            rec.credit_rating,
        )
        row.address = rec.address
        session.add(row)
    if agents and not replace:
        certs = {a.certificate_no for a in agents}
        session.execute(delete(LicensedAgent).where(LicensedAgent.certificate_no.in_(certs)))
    for agent in agents:
        session.add(
            LicensedAgent(
                name=agent.name,
                certificate_no=agent.certificate_no,
                practice_no=agent.practice_no,
                field=agent.field,
                agency_code=agent.agency_code,
                agency_name=agent.agency_name,
                rating=agent.rating,
            )
        )
    session.flush()
    return len(agencies), len(agents)


def load_registry(session: Session) -> LicensedRegistry:
    """The register from the store, for ``Classifier.with_registry`` (the crawler's classify stage)."""
    agencies = [
        AgencyRecord(
            a.code,
            a.name,
            a.kind,
            a.status,
            a.org_type,
            a.founded,
            a.agent_count,
            a.credit_rating,
            a.address,
        )
        for a in session.scalars(select(LicensedAgency))
    ]
    agents = [
        AgentRecord(
            a.name, a.certificate_no, a.practice_no, a.field, a.agency_code, a.agency_name, a.rating
        )
        for a in session.scalars(select(LicensedAgent))
    ]
    return LicensedRegistry(agencies, agents)
