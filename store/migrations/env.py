"""Alembic environment: the engine comes from ``store.db.upgrade`` (``lantian db upgrade``).

Run by hand (``alembic -c store/migrations/alembic.ini ...``), the database is the one
named by ``-x url=...`` or ``LANTIAN_DATABASE_URL``: the store reads no settings itself.
"""

from __future__ import annotations

import os

from alembic import context

from store.models import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:
    from store.db import make_engine

    url = context.get_x_argument(as_dictionary=True).get("url") or os.environ.get(
        "LANTIAN_DATABASE_URL"
    )
    if not url:
        raise SystemExit(
            "no database: give -x url=... or LANTIAN_DATABASE_URL, or run `lantian db upgrade`"
        )
    engine = make_engine(url)

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
