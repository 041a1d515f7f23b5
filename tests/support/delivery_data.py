"""Rows for delivery tests and benchmarks: chats, feeds, subscriptions, topics, stories."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import Connection, insert, select

from bot.store.schema import (
    chats,
    deliveries,
    feeds,
    stories,
    story_sources,
    subscriptions,
    topics,
)

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def add_chat(
    conn: Connection,
    chat_id: int,
    *,
    mode: str = "instant",
    times: str = "",
    tz: str = "UTC",
    active: bool = True,
    kind: str = "",
) -> int:
    """A chat; negative ids are groups (or channels, with `kind`), as in Telegram."""
    kind = kind or ("private" if chat_id > 0 else "supergroup")
    conn.execute(
        insert(chats).values(
            id=chat_id,
            kind=kind,
            title=f"chat {chat_id}",
            active=active,
            digest_mode=mode,
            digest_times=times,
            timezone=tz,
            created_at=T0,
            updated_at=T0,
        )
    )
    return chat_id


def add_feed(conn: Connection, name: str) -> int:
    """A feed titled `name`."""
    url = f"https://{name.lower().replace(' ', '-')}.example.org/feed.xml"
    values = {"url": url, "title": name, "created_at": T0}
    return int(conn.execute(insert(feeds).values(**values)).inserted_primary_key[0])


def subscribe(conn: Connection, chat_ids: Iterable[int], feed_id: int) -> None:
    """Subscribe every chat in `chat_ids` to the feed."""
    rows = [{"chat_id": c, "feed_id": feed_id, "created_at": T0} for c in chat_ids]
    if rows:
        conn.execute(insert(subscriptions), rows)


def add_topic(conn: Connection, chat_id: int, query: str) -> None:
    """The chat follows `query`."""
    conn.execute(insert(topics).values(chat_id=chat_id, query=query, created_at=T0))


def add_story(
    conn: Connection,
    key: str,
    feed_ids: list[int],
    *,
    state: str = "ready",
    doc: str = "",
    summary: str = "Something happened. It mattered.",
    duplicate_of: int | None = None,
) -> int:
    """A story carried by `feed_ids` (first one first), in `state`."""
    values = {
        "key": key,
        "feed_id": feed_ids[0] if feed_ids else None,
        "url": f"https://example.org/{key}",
        "title": f"Story {key}",
        "summary": summary,
        "search_doc": doc or f"story {key}",
        "state": state,
        "duplicate_of": duplicate_of,
        "created_at": T0,
        "updated_at": T0,
    }
    story_id = int(conn.execute(insert(stories).values(**values)).inserted_primary_key[0])
    for n, feed_id in enumerate(feed_ids):
        conn.execute(
            insert(story_sources).values(
                feed_id=feed_id,
                item_key=f"{key}@{feed_id}",
                story_id=story_id,
                url=values["url"],
                first_seen_at=T0.replace(second=n),
            )
        )
    return story_id


def seed_fanout(conn: Connection, chat_ids: list[int], stories_n: int = 1) -> list[int]:
    """Chats subscribed to one feed carrying `stories_n` ready stories; return story ids."""
    rows = [
        {"id": c, "kind": "private" if c > 0 else "supergroup", "created_at": T0, "updated_at": T0}
        for c in chat_ids
    ]
    conn.execute(insert(chats), rows)
    feed_id = add_feed(conn, "Wire")
    subscribe(conn, chat_ids, feed_id)
    return [add_story(conn, f"s{i}", [feed_id]) for i in range(stories_n)]


def delivery_states(conn: Connection) -> dict[tuple[int, int], str]:
    """(chat_id, story_id) → state of every delivery."""
    d = deliveries.c
    return {
        (r.chat_id, r.story_id): r.state
        for r in conn.execute(select(d.chat_id, d.story_id, d.state))
    }
