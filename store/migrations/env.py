"""Alembic environment: the engine comes from ``store.db.upgrade`` (or LANTIAN settings)."""

from __future__ import annotations

from alembic import context

from store.models import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:
    from lantian.config import get_settings
    from store.db import make_engine

    engine = make_engine(get_settings().resolved_database_url)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
