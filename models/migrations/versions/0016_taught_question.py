"""taught_question: unanswered questions staff attached to an entry or marked out of scope (bot.qa.teaching)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 04:00:00
"""
from alembic import op
import sqlalchemy as sa
import models.base

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'taught_question',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('normalized', sa.String(length=500), nullable=False),
        sa.Column('entry_id', sa.String(length=100), nullable=True),
        sa.Column('out_of_scope', sa.Boolean(), nullable=False),
        sa.Column('taught_at', models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('taught_by', sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_taught_question')),
    )
    with op.batch_alter_table('taught_question', schema=None) as batch_op:
        batch_op.create_index('ix_taught_question_normalized', ['normalized'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('taught_question', schema=None) as batch_op:
        batch_op.drop_index('ix_taught_question_normalized')
    op.drop_table('taught_question')
