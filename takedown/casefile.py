"""The evidence case package that goes with a notice: every capture the notice cites, in one zip."""

from __future__ import annotations

from pathlib import Path

from evidence import PackageSummary, export_package, open_vault
from takedown.config import TakedownSettings
from takedown.document import NoticeDocument


def evidence_uids(doc: NoticeDocument) -> list[str]:
    return list(dict.fromkeys(ev.capture_uid for item in doc.items for ev in item.evidence))


def export_case_package(
    settings: TakedownSettings, doc: NoticeDocument, out_dir: Path
) -> PackageSummary | None:
    """Write ``<reference>-evidence.zip`` (a verifiable case package); None when the notice cites no capture."""
    uids = evidence_uids(doc)
    if not uids:
        return None
    vault = open_vault(settings)
    out_dir.mkdir(parents=True, exist_ok=True)
    return export_package(
        vault, uids, out_dir / f"{doc.reference}-evidence.zip", f"{doc.reference} 证据包"
    )
