"""Enrichment bookkeeping: a lease, an attempt count, the reason of a failure, a page budget.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add stories.fetch_page, enrich_attempts, enrich_claimed_at and enrich_error."""
    op.add_column(
        "stories", sa.Column("fetch_page", sa.Boolean(), server_default="1", nullable=False)
    )
    op.add_column(
        "stories", sa.Column("enrich_attempts", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column("stories", sa.Column("enrich_claimed_at", sa.DateTime(), nullable=True))
    op.add_column(
        "stories", sa.Column("enrich_error", sa.Text(), server_default="", nullable=False)
    )


def downgrade() -> None:
    """Drop the four columns."""
    with op.batch_alter_table("stories") as batch:
        for name in ("enrich_error", "enrich_claimed_at", "enrich_attempts", "fetch_page"):
            batch.drop_column(name)
