"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_entry',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('entity', sa.Enum('project', 'task', 'person', 'absence', 'budget_line', name='entity', native_enum=False, length=24), nullable=False),
    sa.Column('record_id', sa.String(length=26), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('changes', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('link_id', sa.String(length=26), nullable=True),
    sa.Column('delivery', sa.String(length=255), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entry_record_id_entity', ['record_id', 'entity'], unique=False)

    op.create_table('conflict',
    sa.Column('entity', sa.Enum('project', 'task', 'person', 'absence', 'budget_line', name='entity', native_enum=False, length=24), nullable=False),
    sa.Column('record_id', sa.String(length=26), nullable=False),
    sa.Column('field', sa.String(length=120), nullable=False),
    sa.Column('base', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True),
    sa.Column('candidates', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('policy', sa.String(length=64), nullable=False),
    sa.Column('state', sa.Enum('open', 'resolved', name='conflictstate', native_enum=False, length=24), nullable=False),
    sa.Column('resolved_value', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True),
    sa.Column('resolved_by', sa.String(length=120), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conflict'))
    )
    with op.batch_alter_table('conflict', schema=None) as batch_op:
        batch_op.create_index('ix_conflict_record_id_entity', ['record_id', 'entity'], unique=False)
        batch_op.create_index('ix_conflict_state', ['state'], unique=False)

    op.create_table('inbox_item',
    sa.Column('connector_id', sa.String(length=64), nullable=False),
    sa.Column('delivery_id', sa.String(length=255), nullable=False),
    sa.Column('body_sha256', sa.String(length=64), nullable=False),
    sa.Column('headers', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('state', sa.Enum('pending', 'processed', 'failed', name='inboxstate', native_enum=False, length=24), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox_item'))
    )
    with op.batch_alter_table('inbox_item', schema=None) as batch_op:
        batch_op.create_index('ix_inbox_item_state_received_at', ['state', 'received_at'], unique=False)
        batch_op.create_index('uq_inbox_item_body', ['connector_id', 'body_sha256'], unique=True)
        batch_op.create_index('uq_inbox_item_delivery', ['connector_id', 'delivery_id'], unique=True)

    op.create_table('link',
    sa.Column('connector_id', sa.String(length=64), nullable=False),
    sa.Column('remote_type', sa.String(length=64), nullable=False),
    sa.Column('remote_id', sa.String(length=255), nullable=False),
    sa.Column('entity', sa.Enum('project', 'task', 'person', 'absence', 'budget_line', name='entity', native_enum=False, length=24), nullable=False),
    sa.Column('record_id', sa.String(length=26), nullable=False),
    sa.Column('shadow', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('field_times', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('remote_updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('remote_version', sa.String(length=255), nullable=True),
    sa.Column('url', sa.String(length=2000), nullable=True),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link'))
    )
    with op.batch_alter_table('link', schema=None) as batch_op:
        batch_op.create_index('ix_link_record_id_entity', ['record_id', 'entity'], unique=False)
        batch_op.create_index('uq_link_remote', ['remote_id', 'connector_id', 'remote_type'], unique=True)

    op.create_table('match_key',
    sa.Column('entity', sa.Enum('project', 'task', 'person', 'absence', 'budget_line', name='entity', native_enum=False, length=24), nullable=False),
    sa.Column('field', sa.String(length=120), nullable=False),
    sa.Column('value', sa.String(length=500), nullable=False),
    sa.Column('record_id', sa.String(length=26), nullable=False),
    sa.PrimaryKeyConstraint('entity', 'field', 'value', name=op.f('pk_match_key'))
    )
    with op.batch_alter_table('match_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_match_key_record_id'), ['record_id'], unique=False)

    op.create_table('person',
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('primary_email', sa.String(length=320), nullable=True),
    sa.Column('department', sa.String(length=120), nullable=True),
    sa.Column('manager_id', sa.String(length=26), nullable=True),
    sa.Column('employment_status', sa.Enum('active', 'on_leave', 'terminated', name='employmentstatus', native_enum=False, length=24), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('custom', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('provenance', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['manager_id'], ['person.id'], name=op.f('fk_person_manager_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person')),
    sa.UniqueConstraint('primary_email', name=op.f('uq_person_primary_email'))
    )
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_department'), ['department'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_employment_status'), ['employment_status'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_updated_at'), ['updated_at'], unique=False)

    op.create_table('quarantine_item',
    sa.Column('connector_id', sa.String(length=64), nullable=False),
    sa.Column('remote_type', sa.String(length=64), nullable=True),
    sa.Column('remote_id', sa.String(length=255), nullable=True),
    sa.Column('location', sa.String(length=1000), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quarantine_item'))
    )
    with op.batch_alter_table('quarantine_item', schema=None) as batch_op:
        batch_op.create_index('ix_quarantine_item_connector_id_created_at', ['connector_id', 'created_at'], unique=False)

    op.create_table('sync_cursor',
    sa.Column('connector_id', sa.String(length=64), nullable=False),
    sa.Column('stream', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_success_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_error_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('connector_id', 'stream', name=op.f('pk_sync_cursor'))
    )
    op.create_table('absence',
    sa.Column('person_id', sa.String(length=26), nullable=False),
    sa.Column('kind', sa.Enum('vacation', 'sick', 'parental', 'training', 'other', name='absencekind', native_enum=False, length=24), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('end', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('requested', 'approved', 'denied', 'cancelled', name='absencestatus', native_enum=False, length=24), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('custom', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('provenance', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_absence_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_absence'))
    )
    with op.batch_alter_table('absence', schema=None) as batch_op:
        batch_op.create_index('ix_absence_person_id_start', ['person_id', 'start'], unique=False)
        batch_op.create_index(batch_op.f('ix_absence_updated_at'), ['updated_at'], unique=False)

    op.create_table('person_email',
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('person_id', sa.String(length=26), nullable=False),
    sa.Column('is_primary', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_person_email_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('email', name=op.f('pk_person_email'))
    )
    with op.batch_alter_table('person_email', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_email_person_id'), ['person_id'], unique=False)

    op.create_table('project',
    sa.Column('key', sa.String(length=64), nullable=True),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('status', sa.Enum('planned', 'active', 'on_hold', 'done', 'cancelled', name='projectstatus', native_enum=False, length=24), nullable=False),
    sa.Column('raw_status', sa.String(length=120), nullable=True),
    sa.Column('department', sa.String(length=120), nullable=True),
    sa.Column('owner_id', sa.String(length=26), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('budget_status', sa.Enum('unknown', 'pending', 'approved', 'rejected', 'over_budget', name='budgetstatus', native_enum=False, length=24), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('custom', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('provenance', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['person.id'], name=op.f('fk_project_owner_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project')),
    sa.UniqueConstraint('key', name=op.f('uq_project_key'))
    )
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_budget_status'), ['budget_status'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_department'), ['department'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_due_date'), ['due_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_updated_at'), ['updated_at'], unique=False)

    op.create_table('push_intent',
    sa.Column('connector_id', sa.String(length=64), nullable=False),
    sa.Column('entity', sa.Enum('project', 'task', 'person', 'absence', 'budget_line', name='entity', native_enum=False, length=24), nullable=False),
    sa.Column('record_id', sa.String(length=26), nullable=False),
    sa.Column('link_id', sa.String(length=26), nullable=True),
    sa.Column('create', sa.Boolean(), nullable=False),
    sa.Column('state', sa.Enum('pending', 'done', 'failed', name='intentstate', native_enum=False, length=24), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['link_id'], ['link.id'], name=op.f('fk_push_intent_link_id_link'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_push_intent'))
    )
    with op.batch_alter_table('push_intent', schema=None) as batch_op:
        batch_op.create_index('ix_push_intent_state_next_attempt_at', ['state', 'next_attempt_at'], unique=False)
        batch_op.create_index('uq_push_intent_target', ['record_id', 'entity', 'connector_id'], unique=True)

    op.create_table('budget_line',
    sa.Column('project_id', sa.String(length=26), nullable=True),
    sa.Column('cost_center', sa.String(length=64), nullable=True),
    sa.Column('period', sa.String(length=32), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('planned', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('approved', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('actual', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('approval_status', sa.Enum('pending', 'approved', 'rejected', name='approvalstatus', native_enum=False, length=24), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('custom', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('provenance', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_budget_line_project_id_project'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_line'))
    )
    with op.batch_alter_table('budget_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_line_approval_status'), ['approval_status'], unique=False)
        batch_op.create_index('ix_budget_line_project_id_period', ['project_id', 'period'], unique=False)
        batch_op.create_index(batch_op.f('ix_budget_line_updated_at'), ['updated_at'], unique=False)

    op.create_table('task',
    sa.Column('project_id', sa.String(length=26), nullable=True),
    sa.Column('title', sa.String(length=1000), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('status', sa.Enum('todo', 'in_progress', 'blocked', 'in_review', 'done', 'cancelled', name='taskstatus', native_enum=False, length=24), nullable=False),
    sa.Column('raw_status', sa.String(length=120), nullable=True),
    sa.Column('priority', sa.Enum('low', 'medium', 'high', 'urgent', name='priority', native_enum=False, length=24), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('parent_id', sa.String(length=26), nullable=True),
    sa.Column('labels', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('risks', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('custom', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('provenance', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['task.id'], name=op.f('fk_task_parent_id_task'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_task_project_id_project'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task'))
    )
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_due_date'), ['due_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index('ix_task_project_id_due_date', ['project_id', 'due_date'], unique=False)
        batch_op.create_index('ix_task_project_id_status', ['project_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_updated_at'), ['updated_at'], unique=False)

    op.create_table('task_assignee',
    sa.Column('task_id', sa.String(length=26), nullable=False),
    sa.Column('person_id', sa.String(length=26), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_task_assignee_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_task_assignee_task_id_task'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('task_id', 'person_id', name=op.f('pk_task_assignee'))
    )
    with op.batch_alter_table('task_assignee', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_assignee_person_id'), ['person_id'], unique=False)

    op.create_table('task_blocker',
    sa.Column('task_id', sa.String(length=26), nullable=False),
    sa.Column('blocked_by_id', sa.String(length=26), nullable=False),
    sa.ForeignKeyConstraint(['blocked_by_id'], ['task.id'], name=op.f('fk_task_blocker_blocked_by_id_task'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_task_blocker_task_id_task'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('task_id', 'blocked_by_id', name=op.f('pk_task_blocker'))
    )
    with op.batch_alter_table('task_blocker', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_blocker_blocked_by_id'), ['blocked_by_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('task_blocker', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_blocker_blocked_by_id'))

    op.drop_table('task_blocker')
    with op.batch_alter_table('task_assignee', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_assignee_person_id'))

    op.drop_table('task_assignee')
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_updated_at'))
        batch_op.drop_index(batch_op.f('ix_task_status'))
        batch_op.drop_index('ix_task_project_id_status')
        batch_op.drop_index('ix_task_project_id_due_date')
        batch_op.drop_index(batch_op.f('ix_task_parent_id'))
        batch_op.drop_index(batch_op.f('ix_task_due_date'))

    op.drop_table('task')
    with op.batch_alter_table('budget_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_line_updated_at'))
        batch_op.drop_index('ix_budget_line_project_id_period')
        batch_op.drop_index(batch_op.f('ix_budget_line_approval_status'))

    op.drop_table('budget_line')
    with op.batch_alter_table('push_intent', schema=None) as batch_op:
        batch_op.drop_index('uq_push_intent_target')
        batch_op.drop_index('ix_push_intent_state_next_attempt_at')

    op.drop_table('push_intent')
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_updated_at'))
        batch_op.drop_index(batch_op.f('ix_project_status'))
        batch_op.drop_index(batch_op.f('ix_project_owner_id'))
        batch_op.drop_index(batch_op.f('ix_project_due_date'))
        batch_op.drop_index(batch_op.f('ix_project_department'))
        batch_op.drop_index(batch_op.f('ix_project_budget_status'))

    op.drop_table('project')
    with op.batch_alter_table('person_email', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_email_person_id'))

    op.drop_table('person_email')
    with op.batch_alter_table('absence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_absence_updated_at'))
        batch_op.drop_index('ix_absence_person_id_start')

    op.drop_table('absence')
    op.drop_table('sync_cursor')
    with op.batch_alter_table('quarantine_item', schema=None) as batch_op:
        batch_op.drop_index('ix_quarantine_item_connector_id_created_at')

    op.drop_table('quarantine_item')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_updated_at'))
        batch_op.drop_index(batch_op.f('ix_person_employment_status'))
        batch_op.drop_index(batch_op.f('ix_person_department'))

    op.drop_table('person')
    with op.batch_alter_table('match_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_match_key_record_id'))

    op.drop_table('match_key')
    with op.batch_alter_table('link', schema=None) as batch_op:
        batch_op.drop_index('uq_link_remote')
        batch_op.drop_index('ix_link_record_id_entity')

    op.drop_table('link')
    with op.batch_alter_table('inbox_item', schema=None) as batch_op:
        batch_op.drop_index('uq_inbox_item_delivery')
        batch_op.drop_index('uq_inbox_item_body')
        batch_op.drop_index('ix_inbox_item_state_received_at')

    op.drop_table('inbox_item')
    with op.batch_alter_table('conflict', schema=None) as batch_op:
        batch_op.drop_index('ix_conflict_state')
        batch_op.drop_index('ix_conflict_record_id_entity')

    op.drop_table('conflict')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entry_record_id_entity')

    op.drop_table('audit_entry')
