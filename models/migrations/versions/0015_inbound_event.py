"""inbound_event: webhook events stored before the 200, processed right after (bot.inbound)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 03:05:00
"""
from alembic import op
import sqlalchemy as sa
import models.base

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'inbound_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('webhook_event_id', sa.String(length=64), nullable=True),
        sa.Column('chat_key', sa.String(length=80), nullable=False),
        sa.Column('raw', sa.Text(), nullable=False),
        sa.Column('status', sa.Enum('pending', 'processing', 'done', 'failed', name='inboundstatus',
                                    native_enum=False, length=16), nullable=False),
        sa.Column('received_at', models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('lease_until', models.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_event')),
        sa.UniqueConstraint('webhook_event_id', name=op.f('uq_inbound_event_webhook_event_id')),
    )
    op.create_index('ix_inbound_event_chat_status', 'inbound_event', ['chat_key', 'status'])
    op.create_index('ix_inbound_event_status', 'inbound_event', ['status', 'received_at'])


def downgrade() -> None:
    op.drop_index('ix_inbound_event_status', table_name='inbound_event')
    op.drop_index('ix_inbound_event_chat_status', table_name='inbound_event')
    op.drop_table('inbound_event')
