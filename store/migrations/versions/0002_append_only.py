"""Append-only tables: the audit log, listing versions and evidence records refuse edits.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, operations refused)
GUARDED: list[tuple[str, tuple[str, ...]]] = [
    ("audit_log", ("UPDATE", "DELETE")),
    ("listing_versions", ("UPDATE", "DELETE")),
    ("evidence_artifacts", ("UPDATE", "DELETE")),
    ("evidence_captures", ("DELETE",)),
    ("takedown_checks", ("UPDATE", "DELETE")),
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            """
            CREATE OR REPLACE FUNCTION lantian_append_only() RETURNS trigger AS $$
            BEGIN
              RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
            END;
            $$ LANGUAGE plpgsql;
            """
        )
    for table, ops in GUARDED:
        for operation in ops:
            name = f"{table}_no_{operation.lower()}"
            if dialect == "sqlite":
                op.execute(
                    f"CREATE TRIGGER {name} BEFORE {operation} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {operation} refused'); END;"
                )
            elif dialect == "postgresql":
                op.execute(
                    f"CREATE TRIGGER {name} BEFORE {operation} ON {table} "
                    f"FOR EACH ROW EXECUTE FUNCTION lantian_append_only();"
                )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table, ops in GUARDED:
        for operation in ops:
            name = f"{table}_no_{operation.lower()}"
            if dialect == "postgresql":
                op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            else:
                op.execute(f"DROP TRIGGER IF EXISTS {name}")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS lantian_append_only()")
