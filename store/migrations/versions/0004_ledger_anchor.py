"""Evidence captures carry their ledger entry's hash: the database anchors the chain head.

Adding a nullable column is a plain ``ALTER TABLE ... ADD COLUMN`` on both
SQLite and PostgreSQL, so the append-only triggers of 0002 stay in place
(batch mode would rebuild the SQLite table and drop them).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("evidence_captures", sa.Column("ledger_entry_hash", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("evidence_captures", recreate="never") as batch:
        batch.drop_column("ledger_entry_hash")
