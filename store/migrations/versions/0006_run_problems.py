"""Run problems (a profile that stopped matching, a platform that blocked the crawl), and
the search result a landing page was reached from.

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
    # Not a batch (table copy) on SQLite: listings is referenced by every other table, and
    # SQLite adds a nullable column with an inline REFERENCES in place.
    sqlite = op.get_bind().dialect.name == "sqlite"
    fk_name = op.f("fk_listings_found_via_id_listings")
    if sqlite:
        op.execute(
            f"ALTER TABLE listings ADD COLUMN found_via_id INTEGER "
            f"CONSTRAINT {fk_name} REFERENCES listings (id)"
        )
    else:
        op.add_column("listings", sa.Column("found_via_id", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_listings_found_via_id"), "listings", ["found_via_id"], unique=False)
    if not sqlite:
        op.create_foreign_key(fk_name, "listings", "listings", ["found_via_id"], ["id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_listings_found_via_id"), table_name="listings")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot drop a column that references a table: copy the table without it.
        with op.batch_alter_table("listings", schema=None) as batch_op:
            batch_op.drop_column("found_via_id")
    else:
        op.drop_constraint(op.f("fk_listings_found_via_id_listings"), "listings", type_="foreignkey")
        op.drop_column("listings", "found_via_id")
    with op.batch_alter_table("run_problems", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_run_problems_platform"))
        batch_op.drop_index(batch_op.f("ix_run_problems_run_id"))
    op.drop_table("run_problems")
