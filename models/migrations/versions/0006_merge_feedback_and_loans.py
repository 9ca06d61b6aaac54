"""join the feedback (0004) and loans (0005) branches, built side by side, into one line again

Revision ID: 0006
Revises: 0004, 0005
Create Date: 2026-11-25 11:15:00
"""

revision = '0006'
down_revision = ('0004', '0005')
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
