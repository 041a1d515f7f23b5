"""Chats, their settings, subscriptions and followed topics, and bot-wide counts.

Every query takes the chat id, so one chat's rows never leak into another's answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, delete, func, select, update

from bot.core.models import (
    ChatSettings,
    Feed,
    KeptSubscription,
    KeptTopic,
    Removal,
    RemovedChat,
)
from bot.store.feeds import add_feed
from bot.store.schema import chats, deliveries, feeds, managers, subscriptions, topics
from bot.store.sql import insert_ignore, upsert

AddResult = Literal["added", "exists", "limit"]
SETTING_COLUMNS = frozenset(
    {
        "summary_sentences",
        "link_previews",
        "language",
        "user_language",
        "digest_mode",
        "digest_times",
        "timezone",
        "digest_length",
        "silent",
        "quiet_hours",
    }
)


def register_chat(
    conn: Connection,
    chat_id: int,
    kind: str,
    title: str,
    now: datetime,
    *,
    activate: bool,
    summary_sentences: int = 3,
    added_by: int | None = None,
) -> None:
    """Insert the chat, or refresh its kind and title (and mark it active if `activate`).

    `summary_sentences` is the operator's default, used only when the chat is new; `added_by`
    (the user who just made the bot a member or administrator) replaces the one stored.
    """
    values = {
        "id": chat_id,
        "kind": kind,
        "title": title,
        "active": True,
        "summary_sentences": summary_sentences,
        "created_at": now,
        "updated_at": now,
    }
    columns = ["kind", "title", "updated_at"] + (["active"] if activate else [])
    if added_by is not None:
        values["added_by"] = added_by
        columns.append("added_by")
    upsert(conn, chats, values, ["id"], columns)


def set_chat_active(conn: Connection, chat_id: int, active: bool, now: datetime) -> None:
    """Mark a chat active or inactive (the bot was removed or blocked)."""
    conn.execute(update(chats).where(chats.c.id == chat_id).values(active=active, updated_at=now))


def get_chat(conn: Connection, chat_id: int) -> ChatSettings | None:
    """The chat's settings, or None if the chat is unknown."""
    row = conn.execute(select(chats).where(chats.c.id == chat_id)).first()
    if row is None:
        return None
    return ChatSettings(
        chat_id=row.id,
        kind=row.kind,
        title=row.title,
        active=bool(row.active),
        summary_sentences=row.summary_sentences,
        link_previews=bool(row.link_previews),
        digest_mode=row.digest_mode,
        digest_times=row.digest_times,
        timezone=row.timezone,
        added_by=row.added_by,
        digest_length=row.digest_length,
        silent=bool(row.silent),
        quiet_hours=row.quiet_hours,
        mute=row.mute,
        language=row.language,
        user_language=row.user_language,
    )


def update_settings(
    conn: Connection, chat_id: int, now: datetime, values: Mapping[str, Any]
) -> None:
    """Change some of the chat's settings (names from SETTING_COLUMNS)."""
    unknown = set(values) - SETTING_COLUMNS
    if unknown:
        raise ValueError(f"not a chat setting: {sorted(unknown)}")
    stmt = update(chats).where(chats.c.id == chat_id).values(**values, updated_at=now)
    conn.execute(stmt)


def count_subscriptions(conn: Connection, chat_id: int) -> int:
    """How many feeds the chat is subscribed to."""
    stmt = select(func.count()).where(subscriptions.c.chat_id == chat_id)
    return int(conn.execute(stmt).scalar_one())


def lock_chat(conn: Connection, chat_id: int) -> None:
    """Hold the chat's row until the transaction ends, so its counts cannot change meanwhile.

    Limits are counted then inserted; on PostgreSQL two transactions could both count 49 and
    both insert. SQLite write transactions (BEGIN IMMEDIATE) are serial already.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(select(chats.c.id).where(chats.c.id == chat_id).with_for_update())


def add_subscription(
    conn: Connection,
    chat_id: int,
    feed_id: int,
    limit: int,
    now: datetime,
    thread_id: int | None = None,
) -> AddResult:
    """Subscribe the chat to the feed, unless it already is or has `limit` feeds; its stories
    go to the forum topic `thread_id` (None: General, or the chat itself)."""
    lock_chat(conn, chat_id)
    exists = select(subscriptions.c.feed_id).where(
        subscriptions.c.chat_id == chat_id, subscriptions.c.feed_id == feed_id
    )
    if conn.execute(exists).first() is not None:
        return "exists"
    if count_subscriptions(conn, chat_id) >= limit:
        return "limit"
    values = {"chat_id": chat_id, "feed_id": feed_id, "created_at": now, "thread_id": thread_id}
    inserted = insert_ignore(conn, subscriptions, values, ["chat_id", "feed_id"])
    return "added" if inserted else "exists"


def remove_subscription(conn: Connection, chat_id: int, feed_id: int) -> bool:
    """Unsubscribe the chat from the feed; False if it was not subscribed."""
    stmt = delete(subscriptions).where(
        subscriptions.c.chat_id == chat_id, subscriptions.c.feed_id == feed_id
    )
    return conn.execute(stmt).rowcount > 0


def take_subscriptions(
    conn: Connection, chat_id: int, feed_id: int | None = None
) -> list[KeptSubscription]:
    """Unsubscribe the chat from one feed (None: from every feed); the rows removed, as they
    were, for an undo."""
    where = [subscriptions.c.chat_id == chat_id]
    if feed_id is not None:
        where.append(subscriptions.c.feed_id == feed_id)
    columns = (subscriptions.c.feed_id, subscriptions.c.created_at, subscriptions.c.thread_id)
    rows = conn.execute(select(*columns).where(*where).order_by(subscriptions.c.feed_id)).all()
    conn.execute(delete(subscriptions).where(*where))
    return [KeptSubscription(r.feed_id, r.created_at, r.thread_id) for r in rows]


def restore_removal(conn: Connection, removal: Removal, feed_limit: int, topic_limit: int) -> int:
    """Put back what `removal` took, as it was (made when, sent to which forum topic), up to
    the chat's limits and skipping what it has again; how many came back."""
    chat_id = removal.chat_id
    lock_chat(conn, chat_id)
    wanted = [kept.feed_id for kept in removal.feeds]
    alive = set(conn.execute(select(feeds.c.id).where(feeds.c.id.in_(wanted))).scalars())
    restored = 0
    for kept in removal.feeds:
        if kept.feed_id not in alive or count_subscriptions(conn, chat_id) >= feed_limit:
            continue
        values = {"chat_id": chat_id, "feed_id": kept.feed_id, "created_at": kept.created_at}
        values["thread_id"] = kept.thread_id
        restored += insert_ignore(conn, subscriptions, values, ["chat_id", "feed_id"])
    for topic in removal.topics:
        if len(list_topics(conn, chat_id)) >= topic_limit:
            break
        values = {"chat_id": chat_id, "query": topic.query, "created_at": topic.created_at}
        values["thread_id"] = topic.thread_id
        restored += insert_ignore(conn, topics, values, ["chat_id", "query"])
    return restored


def list_subscriptions(conn: Connection, chat_id: int) -> list[Feed]:
    """The chat's feeds with their health, in the order they were added."""
    stmt = (
        select(feeds)
        .join(subscriptions, subscriptions.c.feed_id == feeds.c.id)
        .where(subscriptions.c.chat_id == chat_id)
        .order_by(subscriptions.c.created_at, feeds.c.id)
    )
    return [Feed(**row) for row in conn.execute(stmt).mappings()]


def subscribed_feed_ids(conn: Connection, chat_id: int) -> list[int]:
    """Ids of the chat's feeds."""
    stmt = select(subscriptions.c.feed_id).where(subscriptions.c.chat_id == chat_id)
    return [row.feed_id for row in conn.execute(stmt)]


def add_topic(
    conn: Connection,
    chat_id: int,
    query: str,
    limit: int,
    now: datetime,
    thread_id: int | None = None,
) -> AddResult:
    """Follow a topic query, unless the chat already does or follows `limit` topics; its
    stories go to the forum topic `thread_id`."""
    lock_chat(conn, chat_id)
    if query in list_topics(conn, chat_id):
        return "exists"
    if len(list_topics(conn, chat_id)) >= limit:
        return "limit"
    values = {"chat_id": chat_id, "query": query, "created_at": now, "thread_id": thread_id}
    inserted = insert_ignore(conn, topics, values, ["chat_id", "query"])
    return "added" if inserted else "exists"


def remove_topic(conn: Connection, chat_id: int, query: str) -> bool:
    """Stop following a topic; False if the chat did not follow it."""
    stmt = delete(topics).where(topics.c.chat_id == chat_id, topics.c.query == query)
    return conn.execute(stmt).rowcount > 0


def take_topics(conn: Connection, chat_id: int) -> list[KeptTopic]:
    """Stop following every topic; the rows removed, as they were, for an undo."""
    columns = (topics.c.query, topics.c.created_at, topics.c.thread_id)
    stmt = select(*columns).where(topics.c.chat_id == chat_id).order_by(topics.c.id)
    rows = conn.execute(stmt).all()
    conn.execute(delete(topics).where(topics.c.chat_id == chat_id))
    return [KeptTopic(r.query, r.created_at, r.thread_id) for r in rows]


def list_topics(conn: Connection, chat_id: int) -> list[str]:
    """The chat's topic queries, oldest first."""
    stmt = (
        select(topics.c.query)
        .where(topics.c.chat_id == chat_id)
        .order_by(topics.c.created_at, topics.c.id)
    )
    return [row.query for row in conn.execute(stmt)]


def describe_feed(conn: Connection, feed_id: int, title: str, site_url: str) -> None:
    """Give a feed found by /subscribe its title and site, unless it has them already."""
    conn.execute(
        update(feeds).where(feeds.c.id == feed_id, feeds.c.title == "").values(title=title)
    )
    conn.execute(
        update(feeds)
        .where(feeds.c.id == feed_id, feeds.c.site_url == "")
        .values(site_url=site_url)
    )


def name_unnamed_feed(conn: Connection, feed_id: int, title: str, site_url: str) -> None:
    """Give a feed an OPML file's title for it, only where nothing names it yet (no title of
    its own, no catalogue name or label: a feed's name is shared by every chat), and its site
    where it has none."""
    unnamed = (feeds.c.id == feed_id, feeds.c.title == "", feeds.c.name.is_(None))
    if title:
        conn.execute(update(feeds).where(*unnamed, feeds.c.label.is_(None)).values(title=title))
    describe_feed(conn, feed_id, "", site_url)


def add_discovered_feed(
    conn: Connection, url: str, title: str, site_url: str, now: datetime
) -> int:
    """Add a feed that /subscribe found (or find it), with its title and site; its id."""
    feed_id = add_feed(conn, url, now)
    describe_feed(conn, feed_id, title, site_url)
    return feed_id


def remove_chat(conn: Connection, chat_id: int, now: datetime, reason: str) -> RemovedChat:
    """The bot was removed from the chat or lost the right to post: mark it inactive, cancel
    what it still awaits, forget who managed it; say whether it was active (tell once)."""
    row = conn.execute(select(chats).where(chats.c.id == chat_id)).first()
    if row is None:
        return RemovedChat(chat_id)
    conn.execute(update(chats).where(chats.c.id == chat_id).values(active=False, updated_at=now))
    cancelled = conn.execute(
        update(deliveries)
        .where(deliveries.c.chat_id == chat_id, deliveries.c.state.in_(("pending", "sending")))
        .values(state="cancelled", last_error=reason[:500])
    ).rowcount
    conn.execute(delete(managers).where(managers.c.chat_id == chat_id))
    return RemovedChat(chat_id, row.title, bool(row.active), int(cancelled), row.added_by)


def set_manager(conn: Connection, user_id: int, chat_id: int | None, now: datetime) -> None:
    """From now on `user_id`'s private chat changes `chat_id` (None: their own chat again)."""
    if chat_id is None or chat_id == user_id:
        conn.execute(delete(managers).where(managers.c.user_id == user_id))
        return
    values = {"user_id": user_id, "chat_id": chat_id, "updated_at": now}
    upsert(conn, managers, values, ["user_id"], ["chat_id", "updated_at"])


def managed_chat(conn: Connection, user_id: int) -> ChatSettings | None:
    """The chat `user_id` manages from their private chat, or None (their own chat)."""
    chat_id = conn.execute(
        select(managers.c.chat_id).where(managers.c.user_id == user_id)
    ).scalar()
    return None if chat_id is None else get_chat(conn, int(chat_id))


def manage_candidates(conn: Connection, user_id: int, limit: int) -> list[ChatSettings]:
    """Active groups and channels `user_id` added the bot to or manages now, newest first.

    Only candidates: whether the user and the bot are administrators there is asked of
    Telegram at the moment of each change, never read from here.
    """
    current = select(managers.c.chat_id).where(managers.c.user_id == user_id)
    ids = conn.execute(
        select(chats.c.id)
        .where(
            chats.c.active.is_(True),
            chats.c.kind != "private",
            (chats.c.added_by == user_id) | chats.c.id.in_(current),
        )
        .order_by(chats.c.updated_at.desc(), chats.c.id)
        .limit(limit)
    ).scalars()
    found = [get_chat(conn, int(chat_id)) for chat_id in ids]
    return [chat for chat in found if chat is not None]


def subscription_threads(conn: Connection, chat_id: int) -> dict[int, int]:
    """Feed id → forum topic of the chat's subscriptions made inside a topic."""
    stmt = select(subscriptions.c.feed_id, subscriptions.c.thread_id).where(
        subscriptions.c.chat_id == chat_id, subscriptions.c.thread_id.is_not(None)
    )
    return {int(row.feed_id): int(row.thread_id) for row in conn.execute(stmt)}


def topic_threads(conn: Connection, chat_id: int) -> dict[str, int]:
    """Query → forum topic of the chat's followed topics made inside a topic."""
    stmt = select(topics.c.query, topics.c.thread_id).where(
        topics.c.chat_id == chat_id, topics.c.thread_id.is_not(None)
    )
    return {str(row.query): int(row.thread_id) for row in conn.execute(stmt)}


def forget_thread(conn: Connection, chat_id: int, thread_id: int) -> int:
    """A forum topic was closed or deleted: what went there goes to General from now on
    (subscriptions, followed topics and deliveries not sent yet). Returns how many
    subscriptions and followed topics moved: 0 when another send already moved them, so
    General is told once."""
    moved = 0
    for table in (subscriptions, topics):
        moved += conn.execute(
            update(table)
            .where(table.c.chat_id == chat_id, table.c.thread_id == thread_id)
            .values(thread_id=None)
        ).rowcount
    conn.execute(
        update(deliveries)
        .where(deliveries.c.chat_id == chat_id, deliveries.c.thread_id == thread_id)
        .where(deliveries.c.state.in_(("pending", "sending")))
        .values(thread_id=None)
    )
    return int(moved)
