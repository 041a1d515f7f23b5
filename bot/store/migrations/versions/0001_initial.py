"""Initial schema: chats, feeds, subscriptions, topics, stories, sources, deliveries.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the tables and the full-text index for this dialect."""
    op.create_table(
        "chats",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.Text(), server_default="", nullable=False),
        sa.Column("active", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("summary_sentences", sa.Integer(), server_default="3", nullable=False),
        sa.Column("link_previews", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("digest_mode", sa.String(length=16), server_default="instant", nullable=False),
        sa.Column("digest_times", sa.Text(), server_default="", nullable=False),
        sa.Column("timezone", sa.Text(), server_default="UTC", nullable=False),
        sa.Column("last_digest_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), server_default="", nullable=False),
        sa.Column("site_url", sa.Text(), server_default="", nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("is_catalogue", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("is_default", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="new", nullable=False),
        sa.Column("last_polled_at", sa.DateTime(), nullable=True),
        sa.Column("last_success_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", sa.DateTime(), nullable=True),
        sa.Column("first_failure_at", sa.DateTime(), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_poll_at", sa.DateTime(), nullable=True),
        sa.Column("poll_interval_s", sa.Integer(), nullable=True),
        sa.Column("min_next_poll_s", sa.Integer(), nullable=True),
        sa.Column("dead_notified", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("items_seen", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("url"),
    )
    op.create_index("ix_feeds_next_poll_at", "feeds", ["next_poll_at"], unique=False)
    op.create_table(
        "settings",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "stories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.Text(), server_default="", nullable=False),
        sa.Column("title", sa.Text(), server_default="", nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("teaser", sa.Text(), server_default="", nullable=False),
        sa.Column("text", sa.Text(), server_default="", nullable=False),
        sa.Column("summary", sa.Text(), server_default="", nullable=False),
        sa.Column("keywords", sa.Text(), server_default="", nullable=False),
        sa.Column("language", sa.String(length=16), server_default="", nullable=False),
        sa.Column("signature", sa.Text(), server_default="", nullable=False),
        sa.Column("search_doc", sa.Text(), server_default="", nullable=False),
        sa.Column("duplicate_of", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=16), server_default="new", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["duplicate_of"], ["stories.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["feed_id"], ["feeds.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_stories_created_at", "stories", ["created_at"], unique=False)
    op.create_index("ix_stories_published_at", "stories", ["published_at"], unique=False)
    op.create_index("ix_stories_state", "stories", ["state"], unique=False)
    op.create_table(
        "subscriptions",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["chat_id"], ["chats.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["feed_id"], ["feeds.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("chat_id", "feed_id"),
    )
    op.create_index("ix_subscriptions_feed_id", "subscriptions", ["feed_id"], unique=False)
    op.create_table(
        "topics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["chat_id"], ["chats.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("chat_id", "query", name="uq_topics_chat_query"),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_by", sa.Text(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["chat_id"], ["chats.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["story_id"], ["stories.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("chat_id", "story_id", name="uq_deliveries_chat_story"),
    )
    op.create_index("ix_deliveries_state_due", "deliveries", ["state", "due_at"], unique=False)
    op.create_table(
        "story_sources",
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("item_key", sa.Text(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), server_default="", nullable=False),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["feed_id"], ["feeds.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["story_id"], ["stories.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("feed_id", "item_key"),
    )
    op.create_index("ix_story_sources_story_id", "story_sources", ["story_id"], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        _create_sqlite_fts()
    else:
        _create_postgres_fts()


def _create_sqlite_fts() -> None:
    # An external-content FTS5 table over stories.search_doc, kept in step by triggers.
    op.execute(
        "CREATE VIRTUAL TABLE stories_fts USING fts5("
        "search_doc, content='stories', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 2')"
    )
    op.execute(
        "CREATE TRIGGER stories_fts_ai AFTER INSERT ON stories BEGIN "
        "INSERT INTO stories_fts(rowid, search_doc) VALUES (new.id, new.search_doc); END"
    )
    op.execute(
        "CREATE TRIGGER stories_fts_ad AFTER DELETE ON stories BEGIN "
        "INSERT INTO stories_fts(stories_fts, rowid, search_doc) "
        "VALUES ('delete', old.id, old.search_doc); END"
    )
    op.execute(
        "CREATE TRIGGER stories_fts_au AFTER UPDATE OF search_doc ON stories BEGIN "
        "INSERT INTO stories_fts(stories_fts, rowid, search_doc) "
        "VALUES ('delete', old.id, old.search_doc); "
        "INSERT INTO stories_fts(rowid, search_doc) VALUES (new.id, new.search_doc); END"
    )


def _create_postgres_fts() -> None:
    op.execute(
        "ALTER TABLE stories ADD COLUMN search tsvector "
        "GENERATED ALWAYS AS (to_tsvector('simple', search_doc)) STORED"
    )
    op.execute("CREATE INDEX ix_stories_search ON stories USING gin (search)")
