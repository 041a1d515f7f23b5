"""A story keeps its feed's own categories, the first source of its tags.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add stories.categories."""
    op.add_column("stories", sa.Column("categories", sa.Text(), server_default="", nullable=False))


def downgrade() -> None:
    """Drop stories.categories.

    A plain ALTER TABLE (SQLite has it since 3.35): a batch copy of `stories` would drop the
    full-text triggers that live on that table.
    """
    op.drop_column("stories", "categories")
