"""Who is speaking: a listing's tier (offer / watch / none) and genre, each hit's block and stance.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("listings") as batch:
        batch.add_column(
            sa.Column("tier", sa.String(length=8), nullable=False, server_default="none")
        )
        batch.add_column(sa.Column("genre", sa.String(length=24), nullable=True))
        batch.create_index("ix_listings_tier", ["tier"], unique=False)
    # listings flagged before tiers existed are offers
    op.execute("UPDATE listings SET tier = 'offer' WHERE irregular")
    with op.batch_alter_table("classifications") as batch:
        batch.add_column(sa.Column("genre", sa.String(length=24), nullable=True))
        batch.add_column(
            sa.Column("tier", sa.String(length=8), nullable=False, server_default="none")
        )
        batch.add_column(sa.Column("blocks", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("offending_block", sa.Integer(), nullable=True))
    op.execute("UPDATE classifications SET tier = 'offer' WHERE irregular")
    with op.batch_alter_table("rule_hits") as batch:
        batch.add_column(sa.Column("block", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("stance", sa.String(length=12), nullable=True))
        batch.add_column(
            sa.Column("counted", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.add_column(sa.Column("why", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("rule_hits") as batch:
        for column in ("why", "counted", "stance", "block"):
            batch.drop_column(column)
    with op.batch_alter_table("classifications") as batch:
        for column in ("offending_block", "blocks", "tier", "genre"):
            batch.drop_column(column)
    with op.batch_alter_table("listings") as batch:
        batch.drop_index("ix_listings_tier")
        batch.drop_column("genre")
        batch.drop_column("tier")
