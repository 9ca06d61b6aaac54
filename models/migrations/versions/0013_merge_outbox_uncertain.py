"""join the outbox's uncertain_at (built beside 0012's branches) into the one line

Revision ID: 0013
Revises: 0012, 0007_outbox_uncertain_at
Create Date: 2026-12-01 03:00:00
"""

revision = '0013'
down_revision = ('0012', '0007_outbox_uncertain_at')
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
