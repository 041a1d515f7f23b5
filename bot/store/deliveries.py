"""The delivery outbox: one row per (chat, story), claimed, sent and recorded.

States: `pending` → `sending` (claimed by a worker, written before the Bot API call) → `sent`
(with Telegram's message id); `pending` → `cancelled` (the chat blocked or removed the bot:
`bot.store.chats.remove_chat`); `failed` after `delivery.max_attempts`. Claims use
`SELECT ... FOR UPDATE SKIP LOCKED` on PostgreSQL, so two bot processes never claim the same
row; SQLite serialises writers with `BEGIN IMMEDIATE`.

Crash safety: a row left `sending` by a process that died is claimed again once its claim is
older than `stale_after_s`. That is the only way a message can be sent twice: the process died
after Telegram accepted the message and before the row was marked `sent` (Telegram has no
idempotency key), so duplicates are bounded by the messages in flight at the crash.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Row,
    String,
    Table,
    and_,
    bindparam,
    cast,
    delete,
    func,
    insert,
    literal,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from bot.store.feeds import display_name_sql
from bot.store.schema import (
    UTCDateTime,
    chats,
    deliveries,
    feeds,
    stories,
    story_sources,
    subscriptions,
    topics,
)
from bot.store.sql import insert_ignore

PUSH_MODES = ("instant", "daily")


@dataclass(frozen=True)
class ClaimedDelivery:
    """A delivery row this worker now owns (state `sending`)."""

    id: int
    chat_id: int
    story_id: int
    attempts: int
    reason: str
    due_at: datetime
    thread_id: int | None = None  # the forum topic it goes to


@dataclass(frozen=True)
class ChatTarget:
    """What matching and sending need to know about a chat."""

    id: int
    kind: str
    digest_mode: str
    digest_times: str
    timezone: str
    summary_sentences: int
    link_previews: bool
    digest_length: int = 1
    silent: bool = False
    quiet_hours: str = ""
    mute: str = ""  # a topic query: stories matching it are never pushed to this chat
    language: str = ""  # chosen with /language ("": none)
    user_language: str = ""  # a private chat's user's Telegram language, last seen


def add_delivery(
    conn: Connection,
    chat_id: int,
    story_id: int,
    due_at: datetime,
    reason: str,
    now: datetime,
    thread_id: int | None = None,
) -> bool:
    """Write a pending delivery unless the chat already has this story; True if written."""
    values = {
        "chat_id": chat_id,
        "story_id": story_id,
        "due_at": due_at,
        "reason": reason,
        "created_at": now,
        "thread_id": thread_id,
    }
    return insert_ignore(conn, deliveries, values, ["chat_id", "story_id"])


def ready_stories(conn: Connection, limit: int) -> list[tuple[int, datetime]]:
    """Stories waiting to be matched, oldest first, with when they were first seen.

    The rows are locked for this transaction (skipped if another matcher holds them).
    """
    stmt = select(stories.c.id, stories.c.created_at).where(stories.c.state == "ready")
    stmt = stmt.order_by(stories.c.id).limit(limit).with_for_update(skip_locked=True)
    return [(row.id, row.created_at) for row in conn.execute(stmt)]


def mark_matched(conn: Connection, story_id: int, now: datetime) -> None:
    """Record that the story's deliveries are written."""
    conn.execute(
        update(stories)
        .where(stories.c.id == story_id, stories.c.state == "ready")
        .values(state="matched", updated_at=now)
    )


def _target_columns() -> list[Column[Any]]:
    c = chats.c
    return [
        c.id,
        c.kind,
        c.digest_mode,
        c.digest_times,
        c.timezone,
        c.summary_sentences,
        c.link_previews,
        c.digest_length,
        c.silent,
        c.quiet_hours,
        c.mute,
        c.language,
        c.user_language,
    ]


def _target(row: Any) -> ChatTarget:  # a Row with the _target_columns()
    return ChatTarget(**{k: getattr(row, k) for k in ChatTarget.__dataclass_fields__})


@dataclass(frozen=True)
class DueGroup:
    """Chats whose new stories all fall due at one moment: written by one INSERT … SELECT."""

    condition: Any  # a SQL condition on `chats`
    due_at: datetime


def add_group_deliveries(
    conn: Connection, story_id: int, groups: Sequence[DueGroup], now: datetime
) -> set[int]:
    """The story's deliveries to the chats of each group with an unfiltered subscription to a
    feed that carried it after the subscription began, one INSERT … SELECT a group; the chats
    written to. Each chat gets one row, for its first carrier (as `feed_subscribers` orders
    them); the unique (chat, story) key makes it idempotent."""
    written: set[int] = set()
    for group in groups:
        written.update(_add_group(conn, story_id, group, now))
    return written


def _add_group(conn: Connection, story_id: int, group: DueGroup, now: datetime) -> list[int]:
    s, src = subscriptions.c, story_sources.c
    first = (
        func.row_number()
        .over(partition_by=s.chat_id, order_by=(src.first_seen_at, s.feed_id))
        .label("n")
    )
    ranked = (
        select(s.chat_id, s.feed_id, s.thread_id, first)
        .join(chats, chats.c.id == s.chat_id)
        .join(story_sources, src.feed_id == s.feed_id)
        .where(src.story_id == story_id, src.first_seen_at >= s.created_at, s.filter.is_(None))
        .where(group.condition)
        .subquery()
    )
    rows = select(
        ranked.c.chat_id,
        literal(story_id),
        literal(group.due_at, UTCDateTime()),
        literal("feed:") + cast(ranked.c.feed_id, String),
        literal(now, UTCDateTime()),
        ranked.c.thread_id,
    ).where(ranked.c.n == 1)
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    columns = ["chat_id", "story_id", "due_at", "reason", "created_at", "thread_id"]
    stmt = (
        dialect.insert(deliveries)
        .from_select(columns, rows)
        .on_conflict_do_nothing(index_elements=["chat_id", "story_id"])
        .returning(deliveries.c.chat_id)  # (PostgreSQL's rowcount says 0 for this statement)
    )
    return list(conn.execute(stmt).scalars())


def feed_subscribers(
    conn: Connection, story_id: int, *, written: Sequence[DueGroup] = ()
) -> list[tuple[ChatTarget, int, int | None, str | None]]:
    """Active push chats subscribed to a feed that carried the story, with that feed's id,
    the forum topic the subscription was made in and its filter (a topic query, or None).

    A subscription gets only what its feed brought after it was made: subscribing is not a
    request for the stories already in the store (that is what /latest is for). The unfiltered
    subscriptions of chats in the `written` groups are left out: `add_group_deliveries` wrote
    them.
    """
    stmt = (
        select(
            *_target_columns(),
            subscriptions.c.feed_id,
            subscriptions.c.thread_id,
            subscriptions.c.filter,
        )
        .join(subscriptions, subscriptions.c.chat_id == chats.c.id)
        .join(story_sources, story_sources.c.feed_id == subscriptions.c.feed_id)
        .where(story_sources.c.story_id == story_id, chats.c.active)
        .where(story_sources.c.first_seen_at >= subscriptions.c.created_at)
        .where(chats.c.digest_mode.in_(PUSH_MODES))
        .order_by(chats.c.id, story_sources.c.first_seen_at, subscriptions.c.feed_id)
    )
    if written:
        done = and_(or_(*(g.condition for g in written)), subscriptions.c.filter.is_(None))
        stmt = stmt.where(not_(done))
    return [(_target(row), row.feed_id, row.thread_id, row.filter) for row in conn.execute(stmt)]


def followed_topics(conn: Connection) -> list[tuple[ChatTarget, str, datetime, int | None]]:
    """Every topic followed by an active push chat, with the chat, when it was followed and
    the forum topic it was followed in."""
    stmt = (
        select(
            *_target_columns(),
            topics.c.query,
            topics.c.created_at.label("followed_at"),
            topics.c.thread_id,
        )
        .join(topics, topics.c.chat_id == chats.c.id)
        .where(chats.c.active, chats.c.digest_mode.in_(PUSH_MODES))
        .order_by(topics.c.id)
    )
    return [
        (_target(row), row.query, row.followed_at, row.thread_id) for row in conn.execute(stmt)
    ]


def story_first_seen(conn: Connection, story_id: int) -> datetime | None:
    """When the store first saw the story."""
    return conn.execute(select(stories.c.created_at).where(stories.c.id == story_id)).scalar()


def claim_due(
    conn: Connection,
    worker_id: str,
    now: datetime,
    limit: int,
    *,
    ahead_s: float = 0.0,
    stale_after_s: float = 600.0,
) -> list[ClaimedDelivery]:
    """Move up to `limit` due deliveries of active chats to `sending`, owned by `worker_id`.

    Chats in `off` mode keep their pending rows until they switch a push mode on again.

    Pending rows due by `now` are taken, and other workers' claims older than `stale_after_s`
    (a process died mid-send) are taken back. The other pending rows of the same chats due
    within `ahead_s` come along, so stories arriving close together go out as one message.
    """
    d = deliveries.c
    stale = and_(
        d.state == "sending",
        d.claimed_at < now - timedelta(seconds=stale_after_s),
        d.claimed_by != worker_id,  # our own claims are in flight, not stale
    )
    due = and_(d.state == "pending", d.due_at <= now)
    first = (
        select(d.id, d.chat_id)
        .join(chats, chats.c.id == d.chat_id)
        .where(chats.c.active, chats.c.digest_mode != "off", or_(due, stale))
        .order_by(d.due_at, d.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=deliveries)
    )
    rows = list(conn.execute(first))
    if not rows:
        return []
    ids = {row.id for row in rows}
    chat_ids = sorted({row.chat_id for row in rows})
    more = (
        select(d.id)
        .where(d.chat_id.in_(chat_ids), d.state == "pending")
        .where(d.due_at <= now + timedelta(seconds=ahead_s))
        .with_for_update(skip_locked=True)
    )
    ids.update(row.id for row in conn.execute(more))
    conn.execute(
        update(deliveries)
        .where(d.id.in_(sorted(ids)))
        .values(state="sending", claimed_by=worker_id, claimed_at=now)
    )
    stmt = select(d.id, d.chat_id, d.story_id, d.attempts, d.reason, d.due_at, d.thread_id)
    result = conn.execute(stmt.where(d.id.in_(sorted(ids))).order_by(d.chat_id, d.due_at, d.id))
    return [ClaimedDelivery(**row._asdict()) for row in result]


def sent_in_message(
    conn: Connection, chat_id: int, message_id: int
) -> tuple[list[ClaimedDelivery], datetime | None]:
    """The deliveries one sent message carried (a digest's stories, read back for its
    buttons), in the order they were written, and when it was sent."""
    d = deliveries.c
    columns = (d.id, d.chat_id, d.story_id, d.attempts, d.reason, d.due_at, d.thread_id)
    stmt = select(*columns, d.sent_at).where(
        d.chat_id == chat_id, d.message_id == message_id, d.state == "sent"
    )
    rows = list(conn.execute(stmt.order_by(d.id)))
    sent_at = max((r.sent_at for r in rows if r.sent_at is not None), default=None)
    fields = ClaimedDelivery.__dataclass_fields__
    return [ClaimedDelivery(**{k: getattr(r, k) for k in fields}) for r in rows], sent_at


# Built once: this runs once per message sent, and building and cache-keying the statement
# each time cost more CPU than executing it (#19).
_MARK_SENT = (
    update(deliveries)
    .where(deliveries.c.id.in_(bindparam("ids", expanding=True)), deliveries.c.state == "sending")
    .values(
        state="sent",
        message_id=bindparam("message_id", type_=deliveries.c.message_id.type),
        sent_at=bindparam("now", type_=deliveries.c.sent_at.type),
        last_error=None,
    )
)


def mark_sent(conn: Connection, ids: Sequence[int], message_id: int, now: datetime) -> int:
    """Record that Telegram accepted the message carrying these deliveries."""
    params = {"ids": list(ids), "message_id": message_id, "now": now}
    return conn.execute(_MARK_SENT, params).rowcount


def mark_retry(
    conn: Connection,
    ids: Sequence[int],
    due_at: datetime,
    error: str,
    *,
    count_attempt: bool,
    max_attempts: int,
) -> tuple[int, int]:
    """Put claimed deliveries back to `pending` at `due_at`; return (retried, failed).

    A 429 does not count as an attempt (a story is never dropped because of flood control);
    network errors do, and a row reaching `max_attempts` becomes `failed`.
    """
    d = deliveries.c
    mine = and_(d.id.in_(list(ids)), d.state == "sending")
    attempts = d.attempts + (1 if count_attempt else 0)
    failed = conn.execute(
        update(deliveries)
        .where(mine, attempts >= max_attempts)
        .values(state="failed", attempts=attempts, last_error=error[:500], claimed_by=None)
    ).rowcount
    retried = conn.execute(
        update(deliveries)
        .where(mine)
        .values(state="pending", attempts=attempts, due_at=due_at, last_error=error[:500] or None)
    ).rowcount
    return retried, failed


def mark_failed(conn: Connection, ids: Sequence[int], error: str) -> int:
    """Give up on these deliveries (Telegram refused the message for good)."""
    stmt = (
        update(deliveries)
        .where(deliveries.c.id.in_(list(ids)), deliveries.c.state == "sending")
        .values(state="failed", attempts=deliveries.c.attempts + 1, last_error=error[:500])
    )
    return conn.execute(stmt).rowcount


def migrate_chat(conn: Connection, old_id: int, new_id: int, now: datetime) -> None:
    """A group became a supergroup: move the chat, its feeds, topics and deliveries to `new_id`."""
    old = conn.execute(select(chats).where(chats.c.id == old_id)).mappings().first()
    if old is None:
        return
    if conn.execute(select(chats.c.id).where(chats.c.id == new_id)).first() is None:
        values = dict(old) | {"id": new_id, "kind": "supergroup", "updated_at": now}
        conn.execute(insert(chats).values(**values))
    _move_rows(conn, subscriptions, subscriptions.c.feed_id, old_id, new_id)
    _move_rows(conn, topics, topics.c.query, old_id, new_id)
    _move_rows(conn, deliveries, deliveries.c.story_id, old_id, new_id)
    conn.execute(delete(chats).where(chats.c.id == old_id))


def _move_rows(conn: Connection, table: Table, key: Column[Any], old_id: int, new_id: int) -> None:
    """Move rows to `new_id` unless it already has one with the same `key`; drop the rest."""
    taken = select(key).where(table.c.chat_id == new_id)
    conn.execute(
        update(table).where(table.c.chat_id == old_id, key.not_in(taken)).values(chat_id=new_id)
    )
    conn.execute(delete(table).where(table.c.chat_id == old_id))


def requeue(conn: Connection, ids: Sequence[int], due_at: datetime) -> int:
    """Put claimed rows back to `pending` at `due_at` without counting an attempt."""
    stmt = (
        update(deliveries)
        .where(deliveries.c.id.in_(list(ids)), deliveries.c.state == "sending")
        .values(state="pending", due_at=due_at)
    )
    return conn.execute(stmt).rowcount


def reschedule_chat(conn: Connection, chat_id: int, due_at: datetime) -> int:
    """Move a chat's pending deliveries to `due_at` (its digest mode or times changed)."""
    stmt = (
        update(deliveries)
        .where(deliveries.c.chat_id == chat_id, deliveries.c.state == "pending")
        .values(due_at=due_at)
    )
    return conn.execute(stmt).rowcount


def chat_targets(conn: Connection, chat_ids: Sequence[int]) -> dict[int, ChatTarget]:
    """The chats with these ids."""
    stmt = select(*_target_columns()).where(chats.c.id.in_(list(chat_ids)))
    return {row.id: _target(row) for row in conn.execute(stmt)}


def story_rows(conn: Connection, story_ids: Sequence[int]) -> dict[int, Row[Any]]:
    """Title, link, summary, keywords, categories and times of these stories."""
    s = stories.c
    columns: list[Column[Any]] = [
        s.id,
        s.title,
        s.url,
        s.summary,
        s.keywords,
        s.categories,
        s.published_at,
        s.created_at,
    ]
    stmt = select(*columns).where(s.id.in_(list(story_ids)))
    return {row.id: row for row in conn.execute(stmt)}


def feed_names(conn: Connection, feed_ids: Sequence[int]) -> dict[int, str]:
    """Display names of these feeds."""
    name = display_name_sql()
    stmt = select(feeds.c.id, name.label("name")).where(feeds.c.id.in_(list(feed_ids)))
    return {row.id: row.name for row in conn.execute(stmt)}


def set_last_digest(conn: Connection, chat_id: int, now: datetime) -> None:
    """Remember when the chat last got its digest."""
    conn.execute(update(chats).where(chats.c.id == chat_id).values(last_digest_at=now))


def daily_schedules(conn: Connection) -> list[tuple[str, str]]:
    """`(digest_times, timezone)` of every active chat in daily mode."""
    stmt = select(chats.c.digest_times, chats.c.timezone).where(
        chats.c.active, chats.c.digest_mode == "daily"
    )
    return [(row.digest_times, row.timezone) for row in conn.execute(stmt)]


def count_states(conn: Connection) -> dict[str, int]:
    """How many deliveries are in each state."""
    stmt = select(deliveries.c.state, func.count()).group_by(deliveries.c.state)
    return {state: count for state, count in conn.execute(stmt)}
