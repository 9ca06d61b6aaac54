"""rich menu: the menus deployed on the channel (citizens' default, staff's per user)

Revision ID: richmenu1
Revises: 0006
Create Date: 2026-12-01 03:00:00
"""
from alembic import op
import sqlalchemy as sa
import models.base  # noqa: F401  (UTCDateTime)

revision = 'richmenu1'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rich_menu',
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('line_rich_menu_id', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('audience', sa.String(length=16), nullable=False),
    sa.Column('deployed_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_rich_menu'))
    )


def downgrade() -> None:
    op.drop_table('rich_menu')
