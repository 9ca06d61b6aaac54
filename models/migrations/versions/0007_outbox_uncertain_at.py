"""outbox: remember a reply attempt whose outcome is unknown, so a refused token after it is not pushed again

Revision ID: 0007_outbox_uncertain_at
Revises: 0006
Create Date: 2026-12-01 02:20:00
"""
from alembic import op
import sqlalchemy as sa
import models.base  # noqa: F401  (UTCDateTime)

revision = '0007_outbox_uncertain_at'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('uncertain_at', models.base.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('uncertain_at')
