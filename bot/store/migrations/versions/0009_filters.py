"""Filters: a subscription keeps only the stories matching its query; a chat mutes a query.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add subscriptions.filter and chats.mute."""
    op.add_column("subscriptions", sa.Column("filter", sa.Text(), nullable=True))
    op.add_column("chats", sa.Column("mute", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table("chats") as batch:
        batch.drop_column("mute")
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("filter")
