"""co-host invitations: another association co-organises only once its admin accepts

Revision ID: b7d21c4e8f05
Revises: 6c0d5e1a9b37
Create Date: 2026-12-06 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'b7d21c4e8f05'
down_revision = '6c0d5e1a9b37'
branch_labels = None
depends_on = None

# table -> the column and table of the resource it invites to
INVITATIONS = {"event_host_invitations": ("event_id", "events"),
               "programme_host_invitations": ("programme_id", "programmes")}


def upgrade():
    for table, (column, target) in INVITATIONS.items():
        op.create_table(
            table,
            sa.Column('association_id', sa.String(length=36), nullable=False),
            sa.Column('invited_by', sa.String(length=36), nullable=True),
            sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
            sa.Column(column, sa.String(length=36), nullable=False),
            sa.ForeignKeyConstraint([column], [f'{target}.id']),
            sa.PrimaryKeyConstraint('association_id', column),
        )
        op.create_index(op.f(f'ix_{table}_association_id'), table, ['association_id'], unique=False)


def downgrade():
    for table in INVITATIONS:
        op.drop_index(op.f(f'ix_{table}_association_id'), table_name=table)
        op.drop_table(table)
