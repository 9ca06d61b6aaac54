"""feedback and complaints: reports, their history, and counters for tracking codes and daily caps

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 10:53:08.679087
"""
from alembic import op
import sqlalchemy as sa
import models.base  # noqa: F401  (UTCDateTime)
from sqlalchemy.dialects import postgresql

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('feedback_counter',
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_feedback_counter'))
    )
    op.create_table('feedback_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('photos', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('latitude', sa.Double(), nullable=True),
    sa.Column('longitude', sa.Double(), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('status', sa.Enum('new', 'acknowledged', 'in_progress', 'done', name='feedbackstatus', native_enum=False, length=16), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('assigned_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closing_note', sa.Text(), nullable=True),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('rated_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('unit_reminded_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('head_reminded_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['reporter_id'], ['line_user.id'], name=op.f('fk_feedback_report_reporter_id_line_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_feedback_report_unit_id_unit'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_report')),
    sa.UniqueConstraint('code', name=op.f('uq_feedback_report_code')),
    sa.UniqueConstraint('fiscal_year', 'seq', name='uq_feedback_report_fiscal_year_seq')
    )
    with op.batch_alter_table('feedback_report', schema=None) as batch_op:
        batch_op.create_index('ix_feedback_report_reporter', ['reporter_id', 'created_at'], unique=False)
        batch_op.create_index('ix_feedback_report_status_assigned', ['status', 'assigned_at'], unique=False)

    op.create_table('feedback_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['line_user.id'], name=op.f('fk_feedback_event_actor_id_line_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['report_id'], ['feedback_report.id'], name=op.f('fk_feedback_event_report_id_feedback_report'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_feedback_event_unit_id_unit'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_event'))
    )
    with op.batch_alter_table('feedback_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_event_report_id'), ['report_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('feedback_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_event_report_id'))

    op.drop_table('feedback_event')
    with op.batch_alter_table('feedback_report', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_report_status_assigned')
        batch_op.drop_index('ix_feedback_report_reporter')

    op.drop_table('feedback_report')
    op.drop_table('feedback_counter')
