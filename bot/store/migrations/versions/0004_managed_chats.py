"""Channels and groups managed from a private chat: who added the bot, who manages what.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add chats.added_by and the managers table."""
    op.add_column("chats", sa.Column("added_by", sa.BigInteger(), nullable=True))
    op.create_table(
        "managers",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["chat_id"], ["chats.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )


def downgrade() -> None:
    """Drop the managers table and chats.added_by."""
    op.drop_table("managers")
    with op.batch_alter_table("chats") as batch:
        batch.drop_column("added_by")
