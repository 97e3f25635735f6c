"""Actors as cases: reviewer decisions, responsible offices, escalation and shop closure on notices.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from store.models import UTCDateTime

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _office_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("office_code", sa.String(length=16), nullable=True),
        sa.Column("office_source", sa.String(length=32), nullable=True),
        sa.Column("office_reason", sa.Text(), nullable=False, server_default=""),
    ]


def upgrade() -> None:
    with op.batch_alter_table("actors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        for column in _office_columns():
            batch_op.add_column(column)
        batch_op.create_index(batch_op.f("ix_actors_office_code"), ["office_code"], unique=False)
    with op.batch_alter_table("listings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("actor_pinned", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        for column in _office_columns():
            batch_op.add_column(column)
        batch_op.create_index(batch_op.f("ix_listings_office_code"), ["office_code"], unique=False)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("office_code", sa.String(length=16), nullable=True))
    with op.batch_alter_table("licensed_agencies", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("address", sa.String(length=300), nullable=False, server_default="")
        )
    with op.batch_alter_table("takedown_notices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("escalated_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("reopened_at", UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("close_shop", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "actor_separations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("other_actor_id", sa.Integer(), nullable=False),
        sa.Column("decided_by", sa.String(length=120), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_actor_separations_actor_id_actors")
        ),
        sa.ForeignKeyConstraint(
            ["other_actor_id"],
            ["actors.id"],
            name=op.f("fk_actor_separations_other_actor_id_actors"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actor_separations")),
        sa.UniqueConstraint(
            "actor_id", "other_actor_id", name=op.f("uq_actor_separations_actor_id")
        ),
    )
    with op.batch_alter_table("actor_separations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_actor_separations_actor_id"), ["actor_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_actor_separations_other_actor_id"), ["other_actor_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("actor_separations")
    with op.batch_alter_table("takedown_notices", schema=None) as batch_op:
        batch_op.drop_column("close_shop")
        batch_op.drop_column("reopened_at")
        batch_op.drop_column("escalated_at")
    with op.batch_alter_table("licensed_agencies", schema=None) as batch_op:
        batch_op.drop_column("address")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("office_code")
    with op.batch_alter_table("listings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_listings_office_code"))
        for name in ("office_reason", "office_source", "office_code", "actor_pinned"):
            batch_op.drop_column(name)
    with op.batch_alter_table("actors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_actors_office_code"))
        for name in ("office_reason", "office_source", "office_code", "merged_into_id"):
            batch_op.drop_column(name)
