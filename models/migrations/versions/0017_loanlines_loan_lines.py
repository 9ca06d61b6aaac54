"""loan_line: a loan holds several items, one line each; the ledger names the line it moves

Each existing loan's asset and quantity become its one line (its return condition becomes the line's damaged or
lost count: the whole quantity, as the old single-item loan meant), and each ledger row gets that line's id. The
loan's asset_id, quantity and return_condition go: one place for what is lent, so nothing can disagree.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 06:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'loan_line',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('loan_id', sa.Integer(), nullable=False),
        sa.Column('asset_id', sa.Integer(), nullable=False),
        sa.Column('quantity', sa.Integer(), nullable=False),
        sa.Column('damaged', sa.Integer(), nullable=False),
        sa.Column('lost', sa.Integer(), nullable=False),
        sa.Column('return_note', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['asset_id'], ['asset.id'], name=op.f('fk_loan_line_asset_id_asset')),
        sa.ForeignKeyConstraint(['loan_id'], ['loan.id'], name=op.f('fk_loan_line_loan_id_loan'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_loan_line')),
    )
    with op.batch_alter_table('loan_line', schema=None) as batch_op:
        batch_op.create_index('ix_loan_line_asset', ['asset_id', 'loan_id'], unique=False)
        batch_op.create_index('ix_loan_line_loan', ['loan_id'], unique=False)

    # One line per existing loan, with the loan's id as the line's id: ids are then known without a lookup.
    op.execute(
        "INSERT INTO loan_line (id, loan_id, asset_id, quantity, damaged, lost, return_note) "
        "SELECT id, id, asset_id, quantity, "
        "CASE WHEN return_condition = 'damaged' THEN quantity ELSE 0 END, "
        "CASE WHEN return_condition = 'lost' THEN quantity ELSE 0 END, "
        "CASE WHEN return_condition IN ('damaged', 'lost') THEN return_note ELSE NULL END "
        "FROM loan"
    )
    if op.get_bind().dialect.name == 'postgresql':
        # Explicit ids do not move the sequence; the next line must not collide with them.
        op.execute("SELECT setval(pg_get_serial_sequence('loan_line', 'id'), "
                   "GREATEST((SELECT COALESCE(MAX(id), 0) FROM loan_line), 1))")

    with op.batch_alter_table('loan_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('line_id', sa.Integer(), nullable=True))
    op.execute("UPDATE loan_event SET line_id = loan_id")
    with op.batch_alter_table('loan_event', schema=None) as batch_op:
        batch_op.alter_column('line_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_loan_event_line_id_loan_line'), 'loan_line', ['line_id'], ['id'])

    with op.batch_alter_table('loan', schema=None) as batch_op:
        batch_op.drop_index('ix_loan_asset_status')
        batch_op.drop_constraint('fk_loan_asset_id_asset', type_='foreignkey')
        batch_op.drop_column('asset_id')
        batch_op.drop_column('quantity')
        batch_op.drop_column('return_condition')
        batch_op.create_index('ix_loan_status_dates', ['status', 'start_date', 'end_date'], unique=False)


def downgrade() -> None:
    """Back to one item per loan: a loan keeps its first line; the other lines' ledger rows stay with the loan."""
    with op.batch_alter_table('loan', schema=None) as batch_op:
        batch_op.drop_index('ix_loan_status_dates')
        batch_op.add_column(sa.Column('asset_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('quantity', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('return_condition', sa.Enum('complete', 'damaged', 'lost', name='condition', native_enum=False, length=16), nullable=True))
    op.execute(
        "UPDATE loan SET asset_id = (SELECT asset_id FROM loan_line WHERE loan_line.loan_id = loan.id ORDER BY id LIMIT 1), "
        "quantity = (SELECT quantity FROM loan_line WHERE loan_line.loan_id = loan.id ORDER BY id LIMIT 1), "
        "return_condition = CASE WHEN status = 'returned' THEN ("
        "SELECT CASE WHEN SUM(lost) > 0 THEN 'lost' WHEN SUM(damaged) > 0 THEN 'damaged' ELSE 'complete' END "
        "FROM loan_line WHERE loan_line.loan_id = loan.id) ELSE NULL END"
    )
    with op.batch_alter_table('loan', schema=None) as batch_op:
        batch_op.alter_column('asset_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('quantity', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_loan_asset_id_asset'), 'asset', ['asset_id'], ['id'])
        batch_op.create_index('ix_loan_asset_status', ['asset_id', 'status'], unique=False)
    with op.batch_alter_table('loan_event', schema=None) as batch_op:
        batch_op.drop_constraint('fk_loan_event_line_id_loan_line', type_='foreignkey')
        batch_op.drop_column('line_id')
    with op.batch_alter_table('loan_line', schema=None) as batch_op:
        batch_op.drop_index('ix_loan_line_loan')
        batch_op.drop_index('ix_loan_line_asset')
    op.drop_table('loan_line')
