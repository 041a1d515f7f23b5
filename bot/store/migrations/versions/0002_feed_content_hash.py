"""Feeds remember a hash of their last body, for servers that send no ETag or Last-Modified.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add feeds.content_hash."""
    op.add_column("feeds", sa.Column("content_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    """Drop feeds.content_hash."""
    with op.batch_alter_table("feeds") as batch:
        batch.drop_column("content_hash")
