"""CRM records: accounts and opportunities (Salesforce)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _record_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    json = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')
    return [
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('custom', json, nullable=False),
        sa.Column('provenance', json, nullable=False),
        sa.Column('id', sa.String(length=26), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table('account',
    sa.Column('key', sa.String(length=64), nullable=True),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('industry', sa.String(length=120), nullable=True),
    sa.Column('department', sa.String(length=120), nullable=True),
    sa.Column('owner_id', sa.String(length=26), nullable=True),
    sa.Column('url', sa.String(length=2000), nullable=True),
    *_record_columns(),
    sa.ForeignKeyConstraint(['owner_id'], ['person.id'], name=op.f('fk_account_owner_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account')),
    sa.UniqueConstraint('key', name=op.f('uq_account_key'))
    )
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_department'), ['department'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_updated_at'), ['updated_at'], unique=False)

    op.create_table('opportunity',
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('account_id', sa.String(length=26), nullable=True),
    sa.Column('stage', sa.String(length=120), nullable=True),
    sa.Column('status', sa.Enum('open', 'won', 'lost', name='opportunitystatus', native_enum=False, length=24), nullable=False),
    sa.Column('amount', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('close_date', sa.Date(), nullable=True),
    sa.Column('probability', sa.Integer(), nullable=True),
    sa.Column('department', sa.String(length=120), nullable=True),
    sa.Column('owner_id', sa.String(length=26), nullable=True),
    sa.Column('project_id', sa.String(length=26), nullable=True),
    sa.Column('url', sa.String(length=2000), nullable=True),
    *_record_columns(),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_opportunity_account_id_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['person.id'], name=op.f('fk_opportunity_owner_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_opportunity_project_id_project'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opportunity'))
    )
    with op.batch_alter_table('opportunity', schema=None) as batch_op:
        for column in ('account_id', 'status', 'close_date', 'department', 'owner_id',
                       'project_id', 'updated_at'):
            batch_op.create_index(batch_op.f(f'ix_opportunity_{column}'), [column], unique=False)


def downgrade() -> None:
    op.drop_table('opportunity')
    op.drop_table('account')
