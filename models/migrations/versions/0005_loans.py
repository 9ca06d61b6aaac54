"""asset loans and their ledger

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-25 10:53:39.282836
"""
from alembic import op
import sqlalchemy as sa
import models.base  # noqa: F401  (UTCDateTime)
from sqlalchemy.dialects import postgresql

revision = '0005'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('asset',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('count_unit', sa.String(length=40), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('max_days', sa.Integer(), nullable=False),
    sa.Column('lead_days', sa.Integer(), nullable=False),
    sa.Column('aliases', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('photo_url', sa.String(length=500), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('is_example', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_asset_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_asset')),
    sa.UniqueConstraint('key', name=op.f('uq_asset_key'))
    )
    op.create_table('loan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('asset_id', sa.Integer(), nullable=False),
    sa.Column('borrower_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('contact_name', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'rejected', 'cancelled', 'handed_over', 'returned', name='loanstatus', native_enum=False, length=16), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('reject_reason', sa.Text(), nullable=True),
    sa.Column('handed_over_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('returned_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('return_condition', sa.Enum('complete', 'damaged', 'lost', name='condition', native_enum=False, length=16), nullable=True),
    sa.Column('return_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['asset_id'], ['asset.id'], name=op.f('fk_loan_asset_id_asset')),
    sa.ForeignKeyConstraint(['borrower_id'], ['line_user.id'], name=op.f('fk_loan_borrower_id_line_user')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['line_user.id'], name=op.f('fk_loan_decided_by_id_line_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loan'))
    )
    with op.batch_alter_table('loan', schema=None) as batch_op:
        batch_op.create_index('ix_loan_asset_status', ['asset_id', 'status'], unique=False)

    op.create_table('loan_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('loan_id', sa.Integer(), nullable=False),
    sa.Column('asset_id', sa.Integer(), nullable=False),
    sa.Column('movement', sa.Enum('requested', 'approved', 'rejected', 'cancelled', 'handed_over', 'returned', name='movement', native_enum=False, length=16), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('condition', sa.Enum('complete', 'damaged', 'lost', name='condition', native_enum=False, length=16), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['line_user.id'], name=op.f('fk_loan_event_actor_id_line_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['asset_id'], ['asset.id'], name=op.f('fk_loan_event_asset_id_asset')),
    sa.ForeignKeyConstraint(['loan_id'], ['loan.id'], name=op.f('fk_loan_event_loan_id_loan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loan_event'))
    )
    with op.batch_alter_table('loan_event', schema=None) as batch_op:
        batch_op.create_index('ix_loan_event_at', ['at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('loan_event', schema=None) as batch_op:
        batch_op.drop_index('ix_loan_event_at')

    op.drop_table('loan_event')
    with op.batch_alter_table('loan', schema=None) as batch_op:
        batch_op.drop_index('ix_loan_asset_status')

    op.drop_table('loan')
    op.drop_table('asset')
