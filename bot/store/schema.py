"""Tables of the store, as SQLAlchemy Core metadata.

The migrations in `bot/store/migrations/versions/` create exactly these tables; a test checks
the two agree. Times are stored as naive UTC and read back as aware UTC (`UTCDateTime`).
Full-text search lives beside the tables: an FTS5 table `stories_fts` on SQLite and a
`search` tsvector column on PostgreSQL, both created by the migrations only.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect

from bot.core.textnorm import strip_unsafe

metadata = MetaData()


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as naive UTC and returned as an aware UTC datetime."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Store aware times as naive UTC; refuse naive ones."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware UTC time")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Read back as aware UTC."""
        if value is None:
            return None
        if isinstance(value, str):  # pragma: no cover - SQLite always gives datetime here
            value = datetime.fromisoformat(value)
        result: datetime = value.replace(tzinfo=UTC)
        return result


class CleanText(TypeDecorator[str]):
    """Text stored without NULs, control characters or lone surrogates (`strip_unsafe`).

    The parsers clean what strangers write already; this is the last line, so no field of any
    table can make a write fail (PostgreSQL refuses NUL; UTF-8 cannot hold a surrogate).
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        """Clean the value on its way in."""
        return None if value is None else strip_unsafe(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        """Read back as stored."""
        return None if value is None else str(value)


chats = Table(
    "chats",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),  # Telegram chat id
    Column("kind", String(16), nullable=False),  # private | group | supergroup | channel
    Column("title", CleanText, nullable=False, server_default=""),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("summary_sentences", Integer, nullable=False, server_default="3"),
    Column("link_previews", Boolean, nullable=False, server_default="0"),
    Column("digest_mode", String(16), nullable=False, server_default="instant"),  # or daily, off
    Column("digest_times", CleanText, nullable=False, server_default=""),  # "08:00,18:30"
    Column("timezone", CleanText, nullable=False, server_default="UTC"),
    Column("last_digest_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("added_by", BigInteger),  # the user who made the bot a member or an administrator
    Column("digest_length", Integer, nullable=False, server_default="1"),  # 0 titles, 1 a line
    Column("silent", Boolean, nullable=False, server_default="0"),  # pushes without a sound
    Column("quiet_hours", CleanText, nullable=False, server_default=""),  # "23:00-07:00"
    Column("mute", CleanText, nullable=False, server_default=""),  # a query never pushed here
    # the chat's language from /language ("": the user's Telegram language, else the default)
    Column("language", CleanText, nullable=False, server_default=""),
    # a private chat's user's Telegram language, as last seen (for pushes when none is chosen)
    Column("user_language", CleanText, nullable=False, server_default=""),
)

# The chat a user changes from their private chat (/manage); none: their private chat.
managers = Table(
    "managers",
    metadata,
    Column("user_id", BigInteger, primary_key=True, autoincrement=False),
    Column("chat_id", BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

feeds = Table(
    "feeds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", CleanText, nullable=False, unique=True),
    Column("title", CleanText, nullable=False, server_default=""),
    Column("site_url", CleanText, nullable=False, server_default=""),
    Column("name", CleanText),  # catalogue name, NULL for feeds a chat added
    Column("label", CleanText),  # the catalogue's display title ("BBC News – World")
    Column("is_catalogue", Boolean, nullable=False, server_default="0"),
    Column("is_default", Boolean, nullable=False, server_default="0"),
    Column("etag", CleanText),
    Column("last_modified", CleanText),
    Column("content_hash", String(64)),  # sha256 of the last body, for servers without validators
    Column("status", String(16), nullable=False, server_default="new"),  # new|ok|failing|dead
    Column("last_polled_at", UTCDateTime),
    Column("last_success_at", UTCDateTime),
    Column("last_error", CleanText),
    Column("last_error_at", UTCDateTime),
    Column("first_failure_at", UTCDateTime),
    Column("consecutive_failures", Integer, nullable=False, server_default="0"),
    Column("next_poll_at", UTCDateTime),
    Column("poll_interval_s", Integer),  # NULL: the configured default
    Column("min_next_poll_s", Integer),  # lower bound from ttl, max-age, Retry-After
    Column("dead_notified", Boolean, nullable=False, server_default="0"),
    Column("items_seen", Integer, nullable=False, server_default="0"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("page_url", CleanText),  # the web page it was given as, before it was resolved
)
Index("ix_feeds_next_poll_at", feeds.c.next_poll_at)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("chat_id", BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), nullable=False),
    Column("feed_id", Integer, ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("thread_id", BigInteger),  # the forum topic it was made in; NULL: General / the chat
    Column("filter", CleanText),  # a topic query its stories must match to be pushed; NULL: all
    PrimaryKeyConstraint("chat_id", "feed_id"),
)
Index("ix_subscriptions_feed_id", subscriptions.c.feed_id)

topics = Table(
    "topics",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("chat_id", BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), nullable=False),
    Column("query", CleanText, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("thread_id", BigInteger),  # the forum topic it was followed in; NULL: General
    UniqueConstraint("chat_id", "query", name="uq_topics_chat_query"),
)

stories = Table(
    "stories",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", CleanText, nullable=False, unique=True),  # stable identity, see bot.core.feeds
    Column("feed_id", Integer, ForeignKey("feeds.id", ondelete="SET NULL")),  # first carrier
    Column("url", CleanText, nullable=False, server_default=""),
    Column("title", CleanText, nullable=False, server_default=""),
    Column("published_at", UTCDateTime),
    Column("teaser", CleanText, nullable=False, server_default=""),  # the feed's description
    Column("text", CleanText, nullable=False, server_default=""),
    Column("summary", CleanText, nullable=False, server_default=""),  # sentences, one per line
    Column("keywords", CleanText, nullable=False, server_default=""),  # comma-separated
    # The feed's own categories, comma-separated like keywords: tags come from them first.
    Column("categories", CleanText, nullable=False, server_default=""),
    Column("language", String(16), nullable=False, server_default=""),
    Column("signature", CleanText, nullable=False, server_default=""),  # near-duplicate signature
    # Lower-cased, accent-free title + keywords + text: what full-text search indexes.
    Column("search_doc", CleanText, nullable=False, server_default=""),
    Column("duplicate_of", Integer, ForeignKey("stories.id", ondelete="SET NULL")),
    # new | ready | matched | duplicate | seen | failed (see docs/architecture.md)
    Column("state", String(16), nullable=False, server_default="new"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # Enrichment: false past the poll's page budget (summarised from the feed's text); a
    # lease so one process enriches a story at a time; attempts, and why the last one failed.
    Column("fetch_page", Boolean, nullable=False, server_default="1"),
    Column("enrich_attempts", Integer, nullable=False, server_default="0"),
    Column("enrich_claimed_at", UTCDateTime),
    Column("enrich_error", CleanText, nullable=False, server_default=""),
)
Index("ix_stories_published_at", stories.c.published_at)
Index("ix_stories_created_at", stories.c.created_at)
Index("ix_stories_state", stories.c.state)

# Which feeds carried a story, and under which item key each feed knows it.
story_sources = Table(
    "story_sources",
    metadata,
    Column("feed_id", Integer, ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False),
    Column("item_key", CleanText, nullable=False),
    Column("story_id", Integer, ForeignKey("stories.id", ondelete="CASCADE"), nullable=False),
    Column("url", CleanText, nullable=False, server_default=""),
    Column("first_seen_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("feed_id", "item_key"),
)
Index("ix_story_sources_story_id", story_sources.c.story_id)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("chat_id", BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), nullable=False),
    Column("story_id", Integer, ForeignKey("stories.id", ondelete="CASCADE"), nullable=False),
    # pending | sending | sent | failed | cancelled
    Column("state", String(16), nullable=False, server_default="pending"),
    Column("reason", CleanText, nullable=False, server_default=""),  # "feed:12" or "topic:syria"
    Column("message_id", BigInteger),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("due_at", UTCDateTime, nullable=False),
    Column("claimed_by", CleanText),
    Column("claimed_at", UTCDateTime),
    Column("last_error", CleanText),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
    Column("thread_id", BigInteger),  # the forum topic it goes to; NULL: General / the chat
    UniqueConstraint("chat_id", "story_id", name="uq_deliveries_chat_story"),
)
Index("ix_deliveries_state_due", deliveries.c.state, deliveries.c.due_at)

# Small key/value facts the bot keeps (e.g. the Telegram update offset, schema notes).
settings = Table(
    "settings",
    metadata,
    Column("key", CleanText, primary_key=True),
    Column("value", CleanText, nullable=False),
)
