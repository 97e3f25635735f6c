"""Case transfer to another office: a 线索移交函 (DOCX and PDF) plus the signed evidence package.

The campaign notice asks offices to hand cases across regions ("case
transfer").  The letter names the actor, the findings, the legal bases (only
checked ones, like every letter) and the evidence; the evidence goes as the
same case package ``lantian evidence export`` writes (a WACZ inside a signed
zip), which the receiving office verifies on its own with
``lantian evidence verify-package`` or common tools.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from classifiers import Office, OfficeDirectory
from evidence import EvidenceVault, PackageSummary, export_package
from store import CONFIRMED_STATUSES as CONFIRMED
from store import Actor, Listing, audit, build_profile
from takedown.categories import CategoryCatalog
from takedown.document import NoticeDocument, item_document, one_line
from takedown.errors import TakedownError
from takedown.letter import render_template_blocks

TEMPLATE = "case_transfer.j2"
NOTICE_STATUS = {
    "draft": "草稿（尚未发出）", "approved": "已批准待发出", "sent": "已发出", "acknowledged": "平台已受理",
    "removed": "已全部删除", "partly_removed": "部分删除", "refused": "平台拒绝",
}  # fmt: skip
CONTACT_NAMES = {
    "phone": "电话", "wechat": "微信", "qq": "QQ", "email": "电子邮箱",
    "agency_code": "机构代码", "agent_licence": "代理师证号",
}  # fmt: skip


class CaseSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    actor_id: int | None
    label: str
    contacts: list[str]
    shops: list[str]
    register_status: str
    register_findings: list[str]
    risk_score: int | None
    risk_parts: list[str]
    notices: list[str]
    office_reason: str
    office_code: str | None = None
    office_name: str = ""
    package_name: str = ""
    package_sha256: str = ""
    key_fingerprint: str = ""


@dataclass(frozen=True)
class TransferResult:
    reference: str
    paths: list[Path]
    package: PackageSummary | None
    listings: list[int] = field(default_factory=list)


def _listings(
    session: Session, actor_id: int | None, listing_ids: Sequence[int]
) -> tuple[Actor | None, list[Listing]]:
    if actor_id is not None:
        actor = session.get(Actor, actor_id)
        if actor is None:
            raise TakedownError(f"no actor {actor_id}")
        if actor.merged_into_id is not None:
            raise TakedownError(
                f"actor {actor_id} was merged into actor {actor.merged_into_id}; export that one"
            )
        rows = session.scalars(
            select(Listing)
            .where(Listing.actor_id == actor.id, Listing.status.in_(CONFIRMED))
            .order_by(Listing.first_seen, Listing.id)
        ).all()
        if not rows:
            raise TakedownError(f"actor {actor_id} has no confirmed findings to transfer")
        return actor, list(rows)
    rows = session.scalars(
        select(Listing).where(Listing.id.in_(list(listing_ids))).order_by(Listing.id)
    ).all()
    missing = sorted(set(listing_ids) - {x.id for x in rows})
    if missing:
        raise TakedownError(f"no listings {missing}")
    if not rows:
        raise TakedownError("name an actor or at least one listing")
    owners = {x.actor_id for x in rows}
    actor = session.get(Actor, owners.pop()) if len(owners) == 1 and None not in owners else None
    return actor, list(rows)


def _case(session: Session, actor: Actor | None, directory: OfficeDirectory) -> CaseSummary:
    if actor is None:
        return CaseSummary(actor_id=None, label="（线索涉及多个或未识别的主体）", contacts=[], shops=[],
                           register_status="未核查", register_findings=[], risk_score=None, risk_parts=[],
                           notices=[], office_reason="")  # fmt: skip
    profile = build_profile(session, actor)
    contacts = [
        f"{CONTACT_NAMES.get(kind, kind)}：{'、'.join(one_line(v) for v in values)}"
        for kind, values in profile.contacts.items()
    ]
    if profile.agency_names:
        contacts.append("所称机构名称：" + "、".join(one_line(n) for n in profile.agency_names))
    notices = [
        f"{n['reference']}（{n['platform']}）：{NOTICE_STATUS.get(str(n['status']), n['status'])}，"
        f"涉及{n['listings']}条，已下架{n['removed']}条"
        + ("，已要求关闭店铺" if n["close_shop"] else "")
        for n in profile.notices
    ]
    return CaseSummary(
        actor_id=actor.id,
        label=one_line(actor.label) or f"主体{actor.id}",
        contacts=contacts,
        shops=[
            one_line(f"{s['platform']}：{s['shop'] or '—'} {s['seller']}") for s in profile.shops
        ],
        register_status=profile.register.label,
        register_findings=[one_line(f.detail) for f in profile.register.findings],
        risk_score=profile.risk.score,
        risk_parts=[f"{p.label}{p.points}分：{p.detail}" for p in profile.risk.parts],
        notices=notices,
        office_reason=one_line(actor.office_reason),
        office_code=actor.office_code,
        office_name=directory.by_code[actor.office_code].name
        if actor.office_code in directory.by_code
        else "",
    )


def transfer_reference(issued: datetime, actor: Actor | None, listings: Sequence[Listing]) -> str:
    who = f"A{actor.id}" if actor is not None else f"L{listings[0].id}"
    return f"YJ-{issued:%Y%m%d}-{who}"


def export_transfer(
    session: Session,
    *,
    directory: OfficeDirectory,
    vault: EvidenceVault,
    catalog: CategoryCatalog,
    to_office: str,
    office_name: str,
    office_contact: str,
    out_dir: Path,
    issued: datetime,
    by: str,
    actor_id: int | None = None,
    listing_ids: Sequence[int] = (),
    formats: Sequence[str] = ("docx", "pdf"),
) -> TransferResult:
    """Write ``<reference>.docx``/``.pdf`` and ``<reference>-evidence.zip`` into ``out_dir``; audited."""
    office: Office = directory.get(to_office)
    actor, listings = _listings(session, actor_id, listing_ids)
    reference = transfer_reference(issued, actor, listings)
    items = [
        item_document(session, x, no, catalog, x.status.value)
        for no, x in enumerate(listings, start=1)
    ]
    uids = list(dict.fromkeys(ev.capture_uid for item in items for ev in item.evidence))
    out_dir.mkdir(parents=True, exist_ok=True)
    package: PackageSummary | None = None
    case = _case(session, actor, directory)
    if uids:
        package = export_package(
            vault, uids, out_dir / f"{reference}-evidence.zip", f"{reference} 线索移交证据包"
        )
        digest = hashlib.sha256(package.path.read_bytes()).hexdigest()
        case = case.model_copy(update={"package_name": package.path.name, "package_sha256": digest,
                                       "key_fingerprint": package.public_key_sha256})  # fmt: skip
    platforms = sorted({x.platform.name or x.platform.key for x in listings})
    doc = NoticeDocument(
        reference=reference, status="transfer", issued=issued.date(), deadline=None,
        office_name=office_name, office_contact=office_contact,
        platform_key="+".join(sorted({x.platform.key for x in listings})), platform_name="、".join(platforms),
        channel_key="case_transfer", channel_name=office.name, channel_operator=office.name,
        submission="letter", portal_url=None, typical_response_days=None, response_note="",
        requires=[], attachments=[], shop="", seller="", actions=[],
        general_grounds=catalog.general_grounds(), created_by=by, approved_by="", items=items,
    )  # fmt: skip
    blocks = render_template_blocks(TEMPLATE, n=doc, case=case, to=office)
    title = f"{reference} 线索移交函"
    paths: list[Path] = []
    for fmt in formats:
        if fmt == "docx":
            from takedown.exporters.docx import to_docx

            content = to_docx(doc, blocks, title=title)
        elif fmt == "pdf":
            from takedown.exporters.pdf import to_pdf

            content = to_pdf(doc, blocks, title=title)
        else:
            raise TakedownError(f"a transfer letter is written as docx or pdf, not {fmt!r}")
        path = out_dir / f"{reference}.{fmt}"
        path.write_bytes(content)
        paths.append(path)
    audit.record(
        session, by, "case.export", "actor" if actor else "listing",
        actor.id if actor else listings[0].id,
        to_office=office.code, reference=reference, listings=[x.id for x in listings],
        package=package.path.name if package else None,
    )  # fmt: skip
    session.flush()
    return TransferResult(reference, paths, package, [x.id for x in listings])
