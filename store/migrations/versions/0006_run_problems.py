"""Run problems: a profile that stopped matching, or a platform that blocked the crawl.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from store.models import UTCDateTime

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "run_problems",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("platform", sa.String(length=64), nullable=False),
        sa.Column("page_type", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("sample_path", sa.String(length=1000), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["campaign_runs.id"], name=op.f("fk_run_problems_run_id_campaign_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_problems")),
    )
    with op.batch_alter_table("run_problems", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_run_problems_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_run_problems_platform"), ["platform"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("run_problems", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_run_problems_platform"))
        batch_op.drop_index(batch_op.f("ix_run_problems_run_id"))
    op.drop_table("run_problems")
