"""What every command needs first: the settings, and sessions on a migrated database."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lantian.config import ConfigError, Settings, load_settings
from lantian.console import fail

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker


def settings_or_exit() -> Settings:
    """The effective settings; a broken configuration exits 2 naming the key."""
    try:
        return load_settings()
    except ConfigError as exc:
        fail(str(exc))


def migrated_sessions(settings: Settings | None = None) -> sessionmaker[Session]:
    """Sessions on the configured database, its schema brought to the newest revision."""
    from store.db import make_engine, make_sessionmaker, upgrade

    engine = make_engine((settings or settings_or_exit()).resolved_database_url)
    upgrade(engine)
    return make_sessionmaker(engine)
