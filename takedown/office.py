"""The requesting office as one value: what every letter, export and case file prints.

The shell and the app factory build it once from their settings (:func:`office_from`);
callers hand it to :func:`notice_document` or spread :meth:`Office.letterhead` into
``export_notices`` and ``escalation_files``, instead of repeating the office's name,
contact line and category catalogue at every call.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypedDict

from sqlalchemy.orm import Session

from store import TakedownNotice
from takedown.categories import CategoryCatalog, default_catalog
from takedown.document import NoticeDocument, build_document


class OfficeSettings(Protocol):
    """The settings that name the office (``lantian.config.Settings`` has them)."""

    @property
    def office_name(self) -> str: ...
    @property
    def office_contact(self) -> str: ...
    @property
    def rules_dir(self) -> Path: ...


class Letterhead(TypedDict):
    """The keyword arguments every notice builder takes about the office."""

    office_name: str
    office_contact: str
    catalog: CategoryCatalog


@dataclass(frozen=True)
class Office:
    name: str
    contact: str
    catalog: CategoryCatalog

    def letterhead(self) -> Letterhead:
        return Letterhead(office_name=self.name, office_contact=self.contact, catalog=self.catalog)


def office_from(settings: OfficeSettings) -> Office:
    """The office the settings name, with the category catalogue of their rules folder."""
    return Office(
        settings.office_name, settings.office_contact, default_catalog(settings.rules_dir)
    )


def notice_document(session: Session, notice: TakedownNotice, office: Office) -> NoticeDocument:
    """The content of ``notice`` as ``office`` sends it, ready for any exporter."""
    return build_document(session, notice, **office.letterhead())
