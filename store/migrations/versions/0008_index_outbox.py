"""The search index's outbox: listings whose status, review or takedown state changed.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from store.models import UTCDateTime

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "index_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["listing_id"], ["listings.id"], name=op.f("fk_index_outbox_listing_id_listings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_index_outbox")),
    )
    with op.batch_alter_table("index_outbox", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_index_outbox_listing_id"), ["listing_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("index_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_index_outbox_listing_id"))
    op.drop_table("index_outbox")
