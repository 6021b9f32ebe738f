"""conversations in networks: threads, posts and reports

Revision ID: d7f3b2a9c510
Revises: a1e5c7d93f20
Create Date: 2026-12-06 08:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'd7f3b2a9c510'
down_revision = 'a1e5c7d93f20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'threads',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('network_id', sa.String(length=36), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=True),
        sa.Column('author_id', sa.String(length=36), nullable=False),
        sa.Column('locked', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_activity_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['network_id'], ['networks.id']),
        sa.ForeignKeyConstraint(['author_id'], ['persons.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_threads_network_activity', 'threads', ['network_id', 'last_activity_at'])
    op.create_table(
        'posts',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('thread_id', sa.String(length=36), nullable=False),
        sa.Column('network_id', sa.String(length=36), nullable=False),
        sa.Column('reply_to_id', sa.String(length=36), nullable=True),
        sa.Column('opening', sa.Boolean(), nullable=False),
        sa.Column('author_id', sa.String(length=36), nullable=False),
        sa.Column('body', sa.Text(), nullable=True),
        sa.Column('themes', sa.JSON(), nullable=False),
        sa.Column('links', sa.JSON(), nullable=False),
        sa.Column('hidden', sa.Boolean(), nullable=False),
        sa.Column('deleted', sa.Boolean(), nullable=False),
        sa.Column('erased', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['thread_id'], ['threads.id']),
        sa.ForeignKeyConstraint(['network_id'], ['networks.id']),
        sa.ForeignKeyConstraint(['reply_to_id'], ['posts.id']),
        sa.ForeignKeyConstraint(['author_id'], ['persons.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_posts_thread_created', 'posts', ['thread_id', 'created_at'])
    op.create_index('ix_posts_author', 'posts', ['author_id'])
    op.create_table(
        'post_reports',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('post_id', sa.String(length=36), nullable=False),
        sa.Column('reporter_id', sa.String(length=36), nullable=False),
        sa.Column('reason', sa.String(length=1000), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['post_id'], ['posts.id']),
        sa.ForeignKeyConstraint(['reporter_id'], ['persons.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('post_id', 'reporter_id', name='uq_post_report'),
    )


def downgrade():
    op.drop_table('post_reports')
    op.drop_index('ix_posts_author', table_name='posts')
    op.drop_index('ix_posts_thread_created', table_name='posts')
    op.drop_table('posts')
    op.drop_index('ix_threads_network_activity', table_name='threads')
    op.drop_table('threads')
