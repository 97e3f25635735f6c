from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

from store.models import Base


def test_migrations_match_the_models(engine: Engine) -> None:
    """The schema the migrations build is the one the models describe (SQLite and PostgreSQL)."""
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == [], f"models and migrations differ; run `make migration`: {diff}"
