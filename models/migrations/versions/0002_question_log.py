"""question log: questions the knowledge base could not answer, for staff review

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 09:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
import models.base  # noqa: F401  (UTCDateTime)

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('unanswered_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('normalized', sa.String(length=500), nullable=False),
    sa.Column('best_entry', sa.String(length=100), nullable=True),
    sa.Column('best_score', sa.Float(), nullable=True),
    sa.Column('asked_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unanswered_question'))
    )
    with op.batch_alter_table('unanswered_question', schema=None) as batch_op:
        batch_op.create_index('ix_unanswered_question_normalized', ['normalized'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('unanswered_question', schema=None) as batch_op:
        batch_op.drop_index('ix_unanswered_question_normalized')

    op.drop_table('unanswered_question')
