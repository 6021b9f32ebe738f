"""registry numbers unique per association

Revision ID: c4a9e7f1d2b8
Revises: c41f0a7d9e21
Create Date: 2026-12-06 10:30:00

A registry number unique across the installation told one association, by a 409, what another
holds in its own register. The same company registered by two associations is two records.
Downgrading fails while two associations hold the same number.
"""
from alembic import op

revision = 'c4a9e7f1d2b8'
down_revision = 'c41f0a7d9e21'
branch_labels = None
depends_on = None

REGISTRY = ['country', 'registration_kind', 'registration_number']


def _unique(columns):
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_constraint('uq_organisation_registration', type_='unique')
        batch_op.create_unique_constraint('uq_organisation_registration', columns)


def upgrade():
    _unique(['owner_association_id'] + REGISTRY)


def downgrade():
    _unique(REGISTRY)
