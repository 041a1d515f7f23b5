"""Forum topics: the thread a subscription or followed topic was made in, and a delivery's.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_TABLES = ("subscriptions", "topics", "deliveries")


def upgrade() -> None:
    """Add thread_id (NULL: the chat itself, or a forum's General topic) to three tables."""
    for table in _TABLES:
        op.add_column(table, sa.Column("thread_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    """Drop the three thread_id columns."""
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("thread_id")
