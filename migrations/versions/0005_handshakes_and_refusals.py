"""one-time webhook handshake tokens; fields a tool refused in a push

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hub.store.base import JSONType


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('webhook_handshake',
    sa.Column('connector_id', sa.String(length=64), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('connector_id', 'digest', name=op.f('pk_webhook_handshake'))
    )
    op.create_table('push_refusal',
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('connector_id', sa.String(length=64), nullable=False),
    sa.Column('entity', sa.Enum('project', 'task', 'person', 'absence', 'budget_line', name='entity', native_enum=False, length=24), nullable=False),
    sa.Column('record_id', sa.String(length=26), nullable=False),
    sa.Column('field', sa.String(length=120), nullable=False),
    sa.Column('remote_path', sa.String(length=255), nullable=False),
    sa.Column('value', JSONType, nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('waits_for', sa.String(length=400), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('refused_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_refused_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retry_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_push_refusal'))
    )
    op.create_index('uq_push_refusal_target', 'push_refusal',
                    ['record_id', 'entity', 'connector_id', 'field'], unique=True)
    op.create_index('ix_push_refusal_connector_id', 'push_refusal', ['connector_id'])
    op.create_index('ix_push_refusal_waits_for', 'push_refusal', ['waits_for'])


def downgrade() -> None:
    op.drop_index('ix_push_refusal_waits_for', table_name='push_refusal')
    op.drop_index('ix_push_refusal_connector_id', table_name='push_refusal')
    op.drop_index('uq_push_refusal_target', table_name='push_refusal')
    op.drop_table('push_refusal')
    op.drop_table('webhook_handshake')
