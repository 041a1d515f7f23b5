"""A feed given as a web page remembers that page once resolved to the feed it links to.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add feeds.page_url."""
    op.add_column("feeds", sa.Column("page_url", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop feeds.page_url."""
    with op.batch_alter_table("feeds") as batch:
        batch.drop_column("page_url")
