"""Evidence captures record their browser profile's isolation mode (fresh or reused).

Captures stored before this revision were all taken in fresh profiles; their
rows are left NULL (the signed manifests, which the column repeats, predate the
field too).  A plain ``ALTER TABLE ... ADD COLUMN`` as in 0010, so the
append-only triggers of 0002 stay in place.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("evidence_captures", sa.Column("isolation", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("evidence_captures", recreate="never") as batch:
        batch.drop_column("isolation")
