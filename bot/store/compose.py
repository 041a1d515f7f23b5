"""Reads that turn claimed deliveries into messages.

`compose_messages` runs in one read transaction for the sender (`bot.services.delivery`); the
message shapes themselves are pure (`bot.core.digest`), and a stories row becomes a
`StoryView` in one place, `bot.store.search.story_view`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection

from bot.config import DeliveryConfig
from bot.core.digest import DigestEntry, Outgoing, compose_chat
from bot.core.schedule import DigestSlot, chat_zone, digest_slots_of
from bot.store import deliveries as q
from bot.store.search import story_feed_names, story_view


def compose_messages(
    conn: Connection, claimed: Sequence[q.ClaimedDelivery], now: datetime, config: DeliveryConfig
) -> dict[int, list[Outgoing]]:
    """Each chat's messages for the claimed rows: instant stories together, or its digest."""
    story_ids = sorted({c.story_id for c in claimed})
    targets = q.chat_targets(conn, sorted({c.chat_id for c in claimed}))
    rows = q.story_rows(conn, story_ids)
    carriers = story_feed_names(conn, story_ids)
    feed_ids = [int(c.reason[5:]) for c in claimed if c.reason[5:].isdigit()]
    feed_names = q.feed_names(conn, feed_ids)
    by_thread: dict[tuple[int, int | None], list[q.ClaimedDelivery]] = {}
    for row in claimed:  # a forum gets a digest (or a push) per topic
        by_thread.setdefault((row.chat_id, row.thread_id), []).append(row)
    result: dict[int, list[Outgoing]] = {}
    for (chat_id, thread_id), items in by_thread.items():
        chat = targets.get(chat_id)
        if chat is None:
            continue
        entries = [
            DigestEntry(
                story_view(rows[i.story_id], carriers.get(i.story_id, [])),
                _group_name(i.reason, feed_names),
            )
            for i in items
            if i.story_id in rows
        ]
        delivery_of = {i.story_id: i.id for i in items}
        result.setdefault(chat_id, []).extend(
            compose_chat(
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
                tz=chat_zone(chat.timezone),
            )
        )
    return result


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
