"""The tables of CNIPA's register of licensed patent (and trademark) agencies and agents, imported
from the office's CSV files."""

from __future__ import annotations

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from store.model_types import Base


class LicensedAgency(Base):
    """CNIPA's register of patent (and trademark) agencies, imported from the office's CSV."""

    __tablename__ = "licensed_agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(
        String(16), unique=True, doc="机构代码, five digits for patents"
    )
    name: Mapped[str] = mapped_column(String(300), index=True)
    kind: Mapped[str] = mapped_column(String(32), default="patent")
    status: Mapped[str] = mapped_column(String(32), default="")
    org_type: Mapped[str] = mapped_column(String(64), default="")
    founded: Mapped[int | None] = mapped_column(Integer)
    agent_count: Mapped[int | None] = mapped_column(Integer)
    credit_rating: Mapped[str] = mapped_column(String(32), default="")
    address: Mapped[str] = mapped_column(String(300), default="", doc="registered address")


class LicensedAgent(Base):
    __tablename__ = "licensed_agents"
    __table_args__ = (Index("ix_licensed_agents_cert", "certificate_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    certificate_no: Mapped[str] = mapped_column(String(64), doc="资格证号")
    practice_no: Mapped[str] = mapped_column(String(64), default="", doc="执业证号")
    field: Mapped[str] = mapped_column(String(120), default="")
    agency_code: Mapped[str] = mapped_column(String(16), default="")
    agency_name: Mapped[str] = mapped_column(String(300), default="")
    rating: Mapped[str] = mapped_column(String(32), default="")
