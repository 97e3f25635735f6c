"""What every command needs first: the settings, and sessions on a migrated database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from lantian.config import ConfigError, Settings, load_settings
from lantian.console import fail

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def settings_or_exit() -> Settings:
    """The effective settings; a broken configuration exits 2 naming the key."""
    try:
        return load_settings()
    except ConfigError as exc:
        fail(str(exc))


@contextmanager
def migrated_session(settings: Settings | None = None) -> Iterator[Session]:
    """One unit of work on the configured database, its schema brought to the newest
    revision; the engine is disposed when the block ends (commands also run in-process)."""
    from store import engine_scope, make_sessionmaker, session_scope

    url = (settings or settings_or_exit()).resolved_database_url
    with engine_scope(url, migrate=True) as engine, session_scope(make_sessionmaker(engine)) as s:
        yield s
