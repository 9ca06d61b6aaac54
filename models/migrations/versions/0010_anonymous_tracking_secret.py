"""anonymous reports are followed with their code plus a PIN (only its hash is kept); wrong attempts are throttled
by a keyed hash of the user; daily counters are keyed the same way, so the old "daily:<user id>:<date>" rows go

Revision ID: 0010
Revises: 0006
Create Date: 2026-12-01 02:30:00
"""
from alembic import op
import sqlalchemy as sa
import models.base  # noqa: F401  (UTCDateTime)

revision = '0010'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('feedback_report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('secret_hash', sa.String(length=64), nullable=True))
    op.create_table('tracking_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('who', sa.String(length=64), nullable=False),
    sa.Column('attempted_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tracking_attempt'))
    )
    with op.batch_alter_table('tracking_attempt', schema=None) as batch_op:
        batch_op.create_index('ix_tracking_attempt_who_at', ['who', 'attempted_at'], unique=False)
    # The old keys named the user; they count one day only, so today's counts restart rather than being carried over.
    op.execute("DELETE FROM feedback_counter WHERE key LIKE 'daily:%'")


def downgrade() -> None:
    with op.batch_alter_table('tracking_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_tracking_attempt_who_at')
    op.drop_table('tracking_attempt')
    with op.batch_alter_table('feedback_report', schema=None) as batch_op:
        batch_op.drop_column('secret_hash')
