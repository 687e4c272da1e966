"""rules and notifications: the notification outbox, daily digests, delivery forecasts

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hub.store.base import JSONType, UTCDateTime

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Only adds: code of the release before still runs against it (rolling upgrades).
    op.create_table('notification',
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('channel', sa.String(length=64), nullable=False),
    sa.Column('rule', sa.String(length=64), nullable=False),
    sa.Column('dedupe_key', sa.String(length=400), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('entity', sa.String(length=32), nullable=True),
    sa.Column('record_id', sa.String(length=26), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', UTCDateTime(), nullable=False),
    sa.Column('claimed_at', UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('batch_id', sa.String(length=26), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('sent_at', UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_notification_dedupe_key'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_channel_state', ['channel', 'state'], unique=False)
        batch_op.create_index('ix_notification_state_next_attempt_at',
                              ['state', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_sent_at'), ['sent_at'], unique=False)
    op.create_table('digest',
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('facts', JSONType, nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digest'))
    )
    with op.batch_alter_table('digest', schema=None) as batch_op:
        batch_op.create_index('uq_digest_scope_key_day_language',
                              ['scope', 'key', 'day', 'language'], unique=True)
    op.create_table('forecast',
    sa.Column('project_id', sa.String(length=26), nullable=False),
    sa.Column('remaining', sa.Integer(), nullable=False),
    sa.Column('p50', sa.Date(), nullable=True),
    sa.Column('p85', sa.Date(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('probability_late', sa.Float(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('computed_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('project_id', name=op.f('pk_forecast'))
    )


def downgrade() -> None:
    op.drop_table('forecast')
    with op.batch_alter_table('digest', schema=None) as batch_op:
        batch_op.drop_index('uq_digest_scope_key_day_language')
    op.drop_table('digest')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_sent_at'))
        batch_op.drop_index('ix_notification_state_next_attempt_at')
        batch_op.drop_index('ix_notification_channel_state')
    op.drop_table('notification')
