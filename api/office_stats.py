"""Findings per responsible office, from the database (the search index does not hold offices).

The dashboard shows, for all offices or one (a province includes its cities),
how many findings each office is responsible for and how the office was
derived, and for one office its findings by category, platform and status.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from api.queries import office_condition
from store import FINDING_STATUSES, Listing, Platform


@dataclass
class OfficeStats:
    office: str | None
    total: int = 0
    by_office: dict[str, int] = field(default_factory=dict)
    by_source: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, int] = field(default_factory=dict)
    by_platform: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    unassigned: int = 0


def office_stats(session: Session, office: str | None = None) -> OfficeStats:
    conds: list[ColumnElement[bool]] = [Listing.status.in_(FINDING_STATUSES)]
    if office:
        conds.append(office_condition(office))
    stats = OfficeStats(office=office)

    def grouped(column: InstrumentedAttribute[Any]) -> dict[str, int]:
        rows = session.execute(
            select(column, func.count(Listing.id)).where(*conds).group_by(column)
        ).all()
        return {str(k or ""): int(n) for k, n in sorted(rows, key=lambda r: -r[1])}

    stats.by_office = grouped(Listing.office_code)
    stats.unassigned = stats.by_office.pop("", 0)
    stats.by_source = grouped(Listing.office_source)
    stats.by_source.pop("", None)
    stats.by_status = grouped(Listing.status)
    stats.total = sum(stats.by_status.values())
    stats.by_platform = {
        str(k): int(n)
        for k, n in session.execute(
            select(Platform.key, func.count(Listing.id))
            .join(Platform, Platform.id == Listing.platform_id)
            .where(*conds)
            .group_by(Platform.key)
            .order_by(func.count(Listing.id).desc())
        )
    }
    categories: Counter[str] = Counter()
    for cats in session.scalars(select(Listing.categories).where(*conds)):
        categories.update(str(c) for c in (cats or [])[:1])
    stats.by_category = dict(categories.most_common())
    return stats
