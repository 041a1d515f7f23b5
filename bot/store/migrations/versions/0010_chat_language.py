"""A chat's language: chosen with /language, and the private user's Telegram language for
pushes when none is chosen ("": none).

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add chats.language and chats.user_language."""
    op.add_column("chats", sa.Column("language", sa.Text(), nullable=False, server_default=""))
    op.add_column(
        "chats", sa.Column("user_language", sa.Text(), nullable=False, server_default="")
    )


def downgrade() -> None:
    """Drop it again."""
    with op.batch_alter_table("chats") as batch:
        batch.drop_column("user_language")
        batch.drop_column("language")
