"""comments: a task's conversation, one canonical comment linked to each tool that shows it

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hub.store.base import JSONType

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Only adds: code of the release before still runs against it (rolling upgrades).
    op.create_table('comment',
    sa.Column('task_id', sa.String(length=26), nullable=False),
    sa.Column('author_id', sa.String(length=26), nullable=True),
    sa.Column('author_name', sa.String(length=200), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('mentions', JSONType, nullable=False),
    sa.Column('attachments', JSONType, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('written_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('source_remote_id', sa.String(length=255), nullable=False),
    sa.Column('internal', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('custom', JSONType, nullable=False),
    sa.Column('provenance', JSONType, nullable=False),
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['person.id'],
                            name=op.f('fk_comment_author_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_comment_task_id_task'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment'))
    )
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.create_index('ix_comment_task_id_written_at', ['task_id', 'written_at'],
                              unique=False)
        batch_op.create_index('uq_comment_source', ['source', 'source_remote_id'], unique=True)
        batch_op.create_index(batch_op.f('ix_comment_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comment_updated_at'), ['updated_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comment_updated_at'))
        batch_op.drop_index(batch_op.f('ix_comment_author_id'))
        batch_op.drop_index('uq_comment_source')
        batch_op.drop_index('ix_comment_task_id_written_at')
    op.drop_table('comment')
