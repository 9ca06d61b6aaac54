"""web back-office: one-time sign-in links, sessions, and the audit log

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 03:00:00
"""
from alembic import op
import sqlalchemy as sa
import models.base

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'web_login_token',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
        sa.Column('expires_at', models.base.UTCDateTime(), nullable=False),
        sa.Column('used_at', models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['line_user.id'], name=op.f('fk_web_login_token_user_id_line_user'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_web_login_token')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_web_login_token_token_hash')),
    )
    op.create_table(
        'web_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('nonce_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
        sa.Column('last_seen_at', models.base.UTCDateTime(), nullable=False),
        sa.Column('ended_at', models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['line_user.id'], name=op.f('fk_web_session_user_id_line_user'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_web_session')),
        sa.UniqueConstraint('nonce_hash', name=op.f('uq_web_session_nonce_hash')),
    )
    op.create_table(
        'audit_log',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', models.base.UTCDateTime(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('action', sa.String(length=40), nullable=False),
        sa.Column('target', sa.String(length=80), nullable=True),
        sa.Column('detail', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['actor_id'], ['line_user.id'], name=op.f('fk_audit_log_actor_id_line_user'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log')),
    )
    op.create_index('ix_audit_log_at', 'audit_log', ['at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_audit_log_at', table_name='audit_log')
    op.drop_table('audit_log')
    op.drop_table('web_session')
    op.drop_table('web_login_token')
