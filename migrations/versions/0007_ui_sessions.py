"""dashboard sessions: a browser signed in to /ui (by an API token; single sign-on later)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('ui_session',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('provider', sa.String(length=32), nullable=False),
    sa.Column('token_id', sa.String(length=26), nullable=True),
    sa.Column('subject', sa.String(length=255), nullable=True),
    sa.Column('csrf', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('signed_out_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['token_id'], ['api_token.id'],
                            name=op.f('fk_ui_session_token_id_api_token'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ui_session'))
    )
    op.create_index(op.f('ix_ui_session_token_id'), 'ui_session', ['token_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_ui_session_token_id'), table_name='ui_session')
    op.drop_table('ui_session')
