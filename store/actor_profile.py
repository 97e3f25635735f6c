"""Everything known about one actor, and a risk score that shows its working.

The campaign notice asks offices for "a multi-dimensional evaluation" of
agencies and practitioners: the profile gathers an actor's listings across
platforms and time, its shops and contacts, the evidence, the notices and what
became of them, reappearances after removal, and the register's view; the
risk score adds up named components so a reviewer can see why it is what it is.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from classifiers import LicensedRegistry, RegisterStatus, check_actor
from store.licensed import load_registry
from store.models import (
    Actor,
    ActorSeparation,
    Classification,
    Entity,
    EvidenceCapture,
    Listing,
    ListingStatus,
    ListingVersion,
    TakedownItem,
    TakedownNotice,
    utcnow,
)

CONFIRMED = (ListingStatus.confirmed, ListingStatus.escalated, ListingStatus.removed)
SEVERITY_POINTS = {"high": 15, "medium": 8, "low": 3}
REGISTER_POINTS = {"revoked": 20, "unlicensed": 15, "agent_elsewhere": 10}


@dataclass(frozen=True)
class RiskPart:
    key: str
    label: str
    points: int
    detail: str


@dataclass(frozen=True)
class Risk:
    score: int
    parts: list[RiskPart]

    @property
    def level(self) -> str:
        return "high" if self.score >= 60 else "medium" if self.score >= 30 else "low"


@dataclass
class ActorProfile:
    actor: Actor
    listings: list[Listing]
    platforms: list[str]
    categories: dict[str, int]
    shops: list[dict[str, str]]
    contacts: dict[str, list[str]]
    agency_names: list[str]
    evidence: list[EvidenceCapture]
    notices: list[dict[str, object]]
    reappearances: list[dict[str, object]]
    register: RegisterStatus
    risk: Risk
    separated_from: list[int] = field(default_factory=list)


def _entities(session: Session, listing_ids: list[int]) -> list[tuple[str, str]]:
    if not listing_ids:
        return []
    rows = session.execute(
        select(Entity.kind, Entity.value)
        .join(Classification, Entity.classification_id == Classification.id)
        .join(ListingVersion, Classification.version_id == ListingVersion.id)
        .where(ListingVersion.listing_id.in_(listing_ids))
        .distinct()
    ).all()
    return [(k, v) for k, v in rows]


_GENERIC_NAME = re.compile(
    r"(正规|专业|本|该|一家|我们|我司|贵|其他|其它|这家|那家)?(国内|国家)?(专利|商标|知识产权)?(代理|服务|代办)?"
    r"(机构|公司|事务所|工作室|有限公司)"
)


def generic_name(name: str) -> bool:
    """A word the entity extractor takes for a company but that names nobody (专利代理机构, 本公司)."""
    return _GENERIC_NAME.fullmatch(name.strip()) is not None


def reappearances(listings: list[Listing]) -> list[dict[str, object]]:
    """Listings back online after removal, and new listings on a platform after one was removed there."""
    out: list[dict[str, object]] = []
    first_removal: dict[int, datetime] = {}
    for listing in listings:
        if listing.removed_at is not None:
            prev = first_removal.get(listing.platform_id)
            first_removal[listing.platform_id] = (
                min(prev, listing.removed_at) if prev else listing.removed_at
            )
            if listing.online:
                out.append({"listing_id": listing.id, "kind": "back_online", "since": listing.removed_at,
                            "detail": "已下架的链接重新上线"})  # fmt: skip
    for listing in listings:
        removed = first_removal.get(listing.platform_id)
        if (
            removed is not None
            and listing.removed_at is None
            and listing.first_seen > removed
            and listing.status in CONFIRMED
        ):
            out.append({"listing_id": listing.id, "kind": "new_after_removal", "since": removed,
                        "detail": "同一平台已有链接被下架后又发布新链接"})  # fmt: skip
    return out


def risk_score(
    listings: list[Listing],
    register: RegisterStatus,
    repeats: list[dict[str, object]],
    now: datetime,
) -> Risk:
    """0-100 from named parts: confirmed findings, platforms, severity, recency, repeats, register."""
    confirmed = [x for x in listings if x.status in CONFIRMED]
    parts: list[RiskPart] = []
    n = len(confirmed)
    parts.append(RiskPart("findings", "确认违规线索", min(30, round(10 * math.log2(1 + n))),
                          f"{n}条确认线索（共{len(listings)}条）"))  # fmt: skip
    platforms = {x.platform_id for x in confirmed}
    parts.append(RiskPart("platforms", "跨平台", min(20, 10 * max(0, len(platforms) - 1)),
                          f"分布在{len(platforms)}个平台"))  # fmt: skip
    severities = [x.severity for x in confirmed if x.severity]
    worst = max(severities, key=lambda s: SEVERITY_POINTS.get(s, 0), default=None)
    parts.append(RiskPart("severity", "严重程度", SEVERITY_POINTS.get(worst or "", 0),
                          f"最高严重程度：{worst or '无'}"))  # fmt: skip
    last = max((x.last_seen for x in confirmed), default=None)
    if last is None:
        recency, detail = 0, "无确认线索"
    else:
        age = now - last
        recency = 10 if age <= timedelta(days=30) else 5 if age <= timedelta(days=90) else 0
        detail = f"最近一次发现距今{age.days}天"
    parts.append(RiskPart("recency", "近期活跃", recency, detail))
    parts.append(RiskPart("repeat", "下架后再犯", min(20, 10 * len(repeats)),
                          f"{len(repeats)}次下架后重新出现"))  # fmt: skip
    parts.append(RiskPart("register", "执业许可名录", REGISTER_POINTS.get(register.status, 0),
                          register.label))  # fmt: skip
    return Risk(min(100, sum(p.points for p in parts)), parts)


def build_profile(
    session: Session,
    actor: Actor,
    *,
    now: datetime | None = None,
    registry: LicensedRegistry | None = None,
) -> ActorProfile:
    """The actor's profile; pass ``registry`` when building many (it is read once)."""
    now = now or utcnow()
    listings = list(
        session.scalars(
            select(Listing)
            .where(Listing.actor_id == actor.id)
            .order_by(Listing.first_seen, Listing.id)
        )
    )
    ids = [x.id for x in listings]
    categories: Counter[str] = Counter(str(c) for x in listings for c in (x.categories or []))
    shops = sorted(
        {(x.platform.key, x.shop or "", x.seller or "") for x in listings if x.shop or x.seller}
    )
    contacts: dict[str, list[str]] = {}
    for contact in sorted(actor.contacts, key=lambda c: (c.kind, c.value)):
        contacts.setdefault(contact.kind, []).append(contact.value)
    entities = _entities(session, ids)
    agency_names = sorted({v for k, v in entities if k == "company" and not generic_name(v)})
    evidence = list(
        session.scalars(
            select(EvidenceCapture)
            .where(EvidenceCapture.listing_id.in_(ids))
            .order_by(EvidenceCapture.captured_at, EvidenceCapture.id)
        )
    ) if ids else []  # fmt: skip
    notices: list[dict[str, object]] = []
    if ids:
        rows = session.scalars(
            select(TakedownNotice)
            .join(TakedownItem, TakedownItem.notice_id == TakedownNotice.id)
            .where(TakedownItem.listing_id.in_(ids))
            .distinct()
            .order_by(TakedownNotice.created_at, TakedownNotice.id)
        ).all()
        for notice in rows:
            mine = [i for i in notice.items if i.listing_id in ids]
            notices.append({
                "id": notice.id, "reference": notice.reference, "platform": notice.platform.key,
                "status": notice.status.value, "deadline": notice.deadline,
                "close_shop": notice.close_shop, "escalation_due": notice.escalation_due,
                "listings": len(mine), "removed": sum(1 for i in mine if i.status.value == "removed"),
            })  # fmt: skip
    registry = registry or load_registry(session)
    register = check_actor(
        registry,
        agency_codes=contacts.get("agency_code", []),
        agency_names=agency_names,
        agent_numbers=contacts.get("agent_licence", []),
    )
    repeats = reappearances(listings)
    separated = session.execute(
        select(ActorSeparation.actor_id, ActorSeparation.other_actor_id).where(
            (ActorSeparation.actor_id == actor.id) | (ActorSeparation.other_actor_id == actor.id)
        )
    ).all()
    return ActorProfile(
        actor=actor,
        listings=listings,
        platforms=sorted({x.platform.key for x in listings}),
        categories=dict(categories.most_common()),
        shops=[{"platform": p, "shop": s, "seller": r} for p, s, r in shops],
        contacts=contacts,
        agency_names=agency_names,
        evidence=evidence,
        notices=notices,
        reappearances=repeats,
        register=register,
        risk=risk_score(listings, register, repeats, now),
        separated_from=sorted({b if a == actor.id else a for a, b in separated}),
    )
