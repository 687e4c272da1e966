"""title search: trigram indexes for ?q= on PostgreSQL

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from hub.store.search import ENABLE, TRIGRAM_INDEXES, create_index

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite scans; an index can't serve LIKE '%text%' there
    op.execute(ENABLE)
    for name, table, column in TRIGRAM_INDEXES:
        op.execute(create_index(name, table, column))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, _table, _column in TRIGRAM_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
