"""Reads that turn claimed deliveries into messages.

`compose_messages` runs in one read transaction for the sender (`bot.services.delivery`); the
message shapes themselves are pure (`bot.core.digest`), and a stories row becomes a
`StoryView` in one place, `bot.store.search.story_view`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Connection

from bot.config import DeliveryConfig
from bot.core.digest import DigestEntry, Outgoing, compose_chat, compose_digest, compose_full
from bot.core.schedule import DigestSlot, chat_zone, digest_slots_of, quiet_until
from bot.i18n import ENGLISH, use_language
from bot.store import deliveries as q
from bot.store.search import story_feed_names, story_view

HELD_SLACK = timedelta(microseconds=1)


def compose_messages(
    conn: Connection,
    claimed: Sequence[q.ClaimedDelivery],
    now: datetime,
    config: DeliveryConfig,
    default_language: str = ENGLISH,
) -> dict[int, list[Outgoing]]:
    """Each chat's messages for the claimed rows: instant stories together, or its digest,
    in the chat's language (its choice, else its private user's, else `default_language`)."""
    targets = q.chat_targets(conn, sorted({c.chat_id for c in claimed}))
    entries_of = _entries(conn, claimed)
    by_thread: dict[tuple[int, int | None], list[q.ClaimedDelivery]] = {}
    for row in claimed:  # a forum gets a digest (or a push) per topic
        by_thread.setdefault((row.chat_id, row.thread_id), []).append(row)
    result: dict[int, list[Outgoing]] = {}
    for (chat_id, thread_id), items in by_thread.items():
        chat = targets.get(chat_id)
        if chat is None:
            continue
        entries = [entries_of[i.id] for i in items if i.id in entries_of]
        zone = chat_zone(chat.timezone)
        delivery_of = {i.story_id: i.id for i in items}
        with use_language(chat.language or chat.user_language or default_language):
            composed = compose_chat(
                chat_id,
                entries,
                delivery_of,
                thread_id=thread_id,
                daily=chat.digest_mode == "daily",
                attempts=max(i.attempts for i in items),
                link_preview=chat.link_previews,
                sentences=chat.summary_sentences,
                max_stories=config.digest_max_stories,
                now=now,
                tz=zone,
                digest_length=chat.digest_length,
                silent=chat.silent,
                held=any(_was_held(chat, i.due_at) for i in items),
                full_view=chat.kind == "private",
            )
        result.setdefault(chat_id, []).extend(composed)
    return result


def _entries(conn: Connection, rows: Sequence[q.ClaimedDelivery]) -> dict[int, DigestEntry]:
    """Each delivery's story as a reader sees it, under the feed or topic that brought it."""
    story_ids = sorted({r.story_id for r in rows})
    stories = q.story_rows(conn, story_ids)
    carriers = story_feed_names(conn, story_ids)
    feed_ids = [int(r.reason[5:]) for r in rows if r.reason[5:].isdigit()]
    feed_names = q.feed_names(conn, feed_ids)
    return {
        r.id: DigestEntry(
            story_view(stories[r.story_id], carriers.get(r.story_id, [])),
            _group_name(r.reason, feed_names),
            topic=r.reason.startswith("topic:"),
        )
        for r in rows
        if r.story_id in stories
    }


def digest_message(
    conn: Connection,
    chat_id: int,
    message_id: int,
    *,
    full: bool,
    sent_at: datetime,
    config: DeliveryConfig,
) -> list[str] | None:
    """A sent digest message drawn again from its own deliveries: its full summaries (as
    pages) or its compact list (one page); None when no digest was sent as that message.

    The header's day is the one the digest was sent on (`sent_at` of its rows; `sent_at` is
    the fallback). A digest that took several messages is drawn per message: its second
    message's list starts at 1 again.
    """
    rows, when = q.sent_in_message(conn, chat_id, message_id)
    sent_at = when or sent_at
    chat = q.chat_targets(conn, [chat_id]).get(chat_id)
    if not rows or chat is None:
        return None
    entries_of = _entries(conn, rows)
    entries = [entries_of[r.id] for r in rows if r.id in entries_of]
    if not entries:
        return None
    zone, most = chat_zone(chat.timezone), config.digest_max_stories
    if full:
        sentences = max(chat.summary_sentences, 2)
        return compose_full(entries, max_stories=most, sentences=sentences, now=sent_at, tz=zone)
    pages = compose_digest(
        entries, max_stories=most, now=sent_at, tz=zone, length=chat.digest_length
    )
    return [pages[0][0]]


def _was_held(chat: q.ChatTarget, due_at: datetime) -> bool:
    """A row due exactly when the chat's quiet hours ended was held by them."""
    return quiet_until(chat.quiet_hours, chat.timezone, due_at - HELD_SLACK) == due_at


def _group_name(reason: str, feed_names: dict[int, str]) -> str:
    kind, _, value = reason.partition(":")
    if kind == "feed" and value.isdigit():
        return feed_names.get(int(value), "")
    return value


def move_chat(
    conn: Connection, old_id: int, new_id: int, ids: Sequence[int], now: datetime
) -> None:
    """Move the chat to its new id and put its claimed rows back, due now."""
    q.migrate_chat(conn, old_id, new_id, now)
    q.requeue(conn, ids, now)


def digest_slots(conn: Connection) -> list[DigestSlot]:
    """Every distinct digest time of active daily chats, for jobs on PTB's JobQueue.

    At start the app runs `job_queue.run_daily(digest_job, time=slot.job_time())` for each
    slot (and again when a chat changes its times); `digest_job` awaits
    `Dispatcher.send_due(now)`. The rows already carry their digest time as `due_at`, so the
    jobs only make the digest prompt: `run_forever` sends them on its next tick anyway.
    """
    return digest_slots_of(q.daily_schedules(conn))
