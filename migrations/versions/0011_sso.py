"""single sign-on: who made a change (audit_entry.actor) and what a dashboard session signed in
through an identity provider knows of its person (ui_session.claims)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    json = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')
    with op.batch_alter_table('audit_entry') as batch:
        batch.add_column(sa.Column('actor', json, nullable=True))
    with op.batch_alter_table('ui_session') as batch:
        batch.add_column(sa.Column('claims', json, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('ui_session') as batch:
        batch.drop_column('claims')
    with op.batch_alter_table('audit_entry') as batch:
        batch.drop_column('actor')
