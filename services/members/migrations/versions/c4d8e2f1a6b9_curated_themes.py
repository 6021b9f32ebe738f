"""curated themes: proposals, retirement and merges

Revision ID: c4d8e2f1a6b9
Revises: c4a9e7f1d2b8
Create Date: 2026-12-06 05:40:00

Themes there are stay offered (accepted); an association's new theme is a
proposal until a platform admin accepts it.
"""
import sqlalchemy as sa
from alembic import op

revision = 'c4d8e2f1a6b9'
down_revision = 'c4a9e7f1d2b8'
branch_labels = None
depends_on = None


def upgrade():
    # batch: SQLite, for local runs, adds a column with a foreign key only by rebuilding the table
    with op.batch_alter_table('themes') as batch:
        batch.add_column(sa.Column('status', sa.String(length=20), server_default='accepted', nullable=False))
        batch.add_column(sa.Column('merged_into_id', sa.String(length=36), nullable=True))
        batch.create_foreign_key('fk_themes_merged_into_id', 'themes', ['merged_into_id'], ['id'])


def downgrade():
    with op.batch_alter_table('themes') as batch:
        batch.drop_constraint('fk_themes_merged_into_id', type_='foreignkey')
        batch.drop_column('merged_into_id')
        batch.drop_column('status')
