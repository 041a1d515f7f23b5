"""How a chat reads: its digest length, silent pushes, quiet hours; a catalogue feed's title.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add chats.digest_length, chats.silent, chats.quiet_hours and feeds.label."""
    op.add_column(
        "chats", sa.Column("digest_length", sa.Integer(), nullable=False, server_default="1")
    )
    op.add_column("chats", sa.Column("silent", sa.Boolean(), nullable=False, server_default="0"))
    op.add_column("chats", sa.Column("quiet_hours", sa.Text(), nullable=False, server_default=""))
    op.add_column("feeds", sa.Column("label", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table("feeds") as batch:
        batch.drop_column("label")
    with op.batch_alter_table("chats") as batch:
        batch.drop_column("quiet_hours")
        batch.drop_column("silent")
        batch.drop_column("digest_length")
