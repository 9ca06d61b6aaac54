"""staff registration and scheduled reminders

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 10:25:20.926485
"""
from alembic import op
import sqlalchemy as sa
import models.base  # noqa: F401  (UTCDateTime)
from sqlalchemy.dialects import postgresql

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('holiday',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_holiday'))
    )
    op.create_table('registration_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('line_user_id', sa.String(length=64), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.Column('attempted_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_attempt'))
    )
    with op.batch_alter_table('registration_attempt', schema=None) as batch_op:
        batch_op.create_index('ix_registration_attempt_user_at', ['line_user_id', 'attempted_at'], unique=False)

    op.create_table('reminder_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('measure_number', sa.Integer(), nullable=True),
    sa.Column('task', sa.Text(), nullable=False),
    sa.Column('schedule', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('grace_hours', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_rule')),
    sa.UniqueConstraint('key', name=op.f('uq_reminder_rule_key'))
    )
    op.create_table('scheduler_mark',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('until', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_scheduler_mark'))
    )
    op.create_table('reminder_rule_unit',
    sa.Column('rule_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['rule_id'], ['reminder_rule.id'], name=op.f('fk_reminder_rule_unit_rule_id_reminder_rule'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_reminder_rule_unit_unit_id_unit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('rule_id', 'unit_id', name=op.f('pk_reminder_rule_unit'))
    )
    op.create_table('reminder_occurrence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=False),
    sa.Column('due_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('sent', 'missed', 'snoozed', 'done', name='occurrencestatus', native_enum=False, length=16), nullable=False),
    sa.Column('sent_late', sa.Boolean(), nullable=False),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('snoozed_until', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('snooze_count', sa.Integer(), nullable=False),
    sa.Column('done_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('evidence_path', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['done_by_id'], ['line_user.id'], name=op.f('fk_reminder_occurrence_done_by_id_line_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['rule_id'], ['reminder_rule.id'], name=op.f('fk_reminder_occurrence_rule_id_reminder_rule'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_occurrence')),
    sa.UniqueConstraint('rule_id', 'due_at', name='uq_reminder_occurrence_rule_id_due_at')
    )
    op.create_table('staff_invite',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.Enum('citizen', 'staff', 'head', 'admin', name='role', native_enum=False, length=16), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('used_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_staff_invite_unit_id_unit')),
    sa.ForeignKeyConstraint(['used_by_id'], ['line_user.id'], name=op.f('fk_staff_invite_used_by_id_line_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_invite')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_staff_invite_code_hash'))
    )
def downgrade() -> None:
    op.drop_table('staff_invite')
    op.drop_table('reminder_occurrence')
    op.drop_table('reminder_rule_unit')
    op.drop_table('scheduler_mark')
    op.drop_table('reminder_rule')
    with op.batch_alter_table('registration_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_registration_attempt_user_at')

    op.drop_table('registration_attempt')
    op.drop_table('holiday')
