"""join the branches built side by side in the second round (rich menu, anonymous tracking, privacy) into one line

Revision ID: 0012
Revises: richmenu1, 0010, 0011
Create Date: 2026-12-01 03:00:00
"""

revision = '0012'
down_revision = ('richmenu1', '0010', '0011')
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
