"""The foundation of the schema: the declarative base, UTC timestamps and the enumerations."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Enum, MetaData
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every backend (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class SourceKind(enum.StrEnum):
    search = "search"
    marketplace = "marketplace"
    forum = "forum"


class RunStatus(enum.StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"


class ListingStatus(enum.StrEnum):
    """Where a listing stands in review; ``new`` until a classifier or reviewer acts."""

    new = "new"
    flagged = "flagged"
    confirmed = "confirmed"
    dismissed = "dismissed"
    escalated = "escalated"
    removed = "removed"


class ReviewAction(enum.StrEnum):
    confirm = "confirm"
    dismiss = "dismiss"
    escalate = "escalate"
    assign = "assign"
    note = "note"
    reopen = "reopen"


class Role(enum.StrEnum):
    reviewer = "reviewer"
    supervisor = "supervisor"
    admin = "admin"


class NoticeStatus(enum.StrEnum):
    draft = "draft"
    approved = "approved"
    sent = "sent"
    acknowledged = "acknowledged"
    removed = "removed"
    partly_removed = "partly_removed"
    refused = "refused"


class ItemStatus(enum.StrEnum):
    pending = "pending"
    online = "online"
    removed = "removed"


def enum_type(cls: type[enum.StrEnum]) -> Enum:
    return Enum(cls, native_enum=False, length=32, validate_strings=True)
