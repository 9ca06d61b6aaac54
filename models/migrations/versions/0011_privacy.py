"""privacy: when the notice was shown to a person, and an erasure waiting for their open loans

Revision ID: 0011
Revises: 0006
Create Date: 2026-12-01 02:20:00
"""
from alembic import op
import sqlalchemy as sa
import models.base

revision = '0011'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('line_user') as batch:
        batch.add_column(sa.Column('privacy_notice_at', models.base.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column('erase_requested_at', models.base.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('line_user') as batch:
        batch.drop_column('erase_requested_at')
        batch.drop_column('privacy_notice_at')
