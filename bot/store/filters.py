"""Per-subscription filters and a chat's muted query (their matching is in `matching`).

A filter is a topic query (the language of /topic) kept on the subscription; a chat's mute is
a topic query kept on the chat. Both are stored in their canonical spelling and read back by
the matcher, which asks the full-text index whether a story matches.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select, update

from bot.store.schema import chats, subscriptions


def set_filter(conn: Connection, chat_id: int, feed_id: int, query: str | None) -> bool:
    """Set (or with None clear) the filter of the chat's subscription to a feed; False when
    the chat is not subscribed to it."""
    stmt = (
        update(subscriptions)
        .where(subscriptions.c.chat_id == chat_id, subscriptions.c.feed_id == feed_id)
        .values(filter=query or None)
    )
    return conn.execute(stmt).rowcount > 0


def subscription_filters(conn: Connection, chat_id: int) -> dict[int, str]:
    """The filters of the chat's subscriptions, by feed id (unfiltered ones left out)."""
    stmt = select(subscriptions.c.feed_id, subscriptions.c.filter).where(
        subscriptions.c.chat_id == chat_id, subscriptions.c.filter.is_not(None)
    )
    return {row.feed_id: row.filter for row in conn.execute(stmt) if row.filter}


def set_mute(conn: Connection, chat_id: int, query: str, now: datetime) -> None:
    """Set the chat's muted query ('' for none)."""
    conn.execute(update(chats).where(chats.c.id == chat_id).values(mute=query, updated_at=now))
