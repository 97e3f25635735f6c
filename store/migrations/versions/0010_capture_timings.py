"""Evidence captures keep their per-step timings (navigate, settle, screenshot, ... sign).

A nullable column added with a plain ``ALTER TABLE ... ADD COLUMN`` on SQLite
and PostgreSQL alike, so the append-only triggers of 0002 stay in place.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("evidence_captures", sa.Column("timings_ms", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("evidence_captures", recreate="never") as batch:
        batch.drop_column("timings_ms")
