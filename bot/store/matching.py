"""Match `ready` stories to chats and write their deliveries (step 3 of docs/architecture.md).

A story reaches a chat that is subscribed to any feed that carried it, or that follows a topic
the story matches in the full-text index. However many ways it matches, the chat gets one
delivery row (unique on chat and story), written in the same transaction that marks the story
`matched`. Near-duplicates (state `duplicate`) are never `ready`, so they never reach a chat a
second time. Inactive chats and chats in `off` mode get nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, select

from bot.core.schedule import next_digest_at, quiet_until
from bot.core.topic_query import TopicQuery, parse_topic_query
from bot.errors import UserError
from bot.store.chats import update_settings
from bot.store.deliveries import (
    ChatTarget,
    DueGroup,
    add_delivery,
    add_group_deliveries,
    chat_targets,
    daily_schedules,
    feed_subscribers,
    followed_topics,
    mark_matched,
    ready_stories,
    reschedule_chat,
    story_first_seen,
)
from bot.store.schema import chats, subscriptions
from bot.store.search import story_matches

log = logging.getLogger(__name__)


def due_time(chat: ChatTarget, now: datetime, instant_window_s: float) -> datetime:
    """When a new story for `chat` is due: after the instant window, or at its next digest.

    An instant chat waits `instant_window_s`, so stories arriving together go out as one
    message, and stories due inside its quiet hours wait for their end (one message then); a
    daily chat without a valid time falls back to instant.
    """
    if chat.digest_mode == "daily":
        at = next_digest_at(chat.digest_times, chat.timezone, now)
        if at is not None:
            return at
    due = now + timedelta(seconds=instant_window_s)
    return quiet_until(chat.quiet_hours, chat.timezone, due) or due


Topics = list[tuple[ChatTarget, TopicQuery, str, datetime, int | None]]
Target = tuple[ChatTarget, str, int | None]  # the chat, why (`feed:ID`/`topic:Q`), its thread


def _parsed_topics(conn: Connection) -> Topics:
    result = []
    for chat, query, followed_at, thread in followed_topics(conn):
        try:
            result.append((chat, parse_topic_query(query), query, followed_at, thread))
        except UserError:
            log.warning("skipping unusable topic %r of chat %s", query, chat.id)
    return result


def story_targets(
    conn: Connection,
    story_id: int,
    topics: Topics,
    seen_at: datetime | None = None,
    *,
    written: Sequence[DueGroup] = (),
    reached: frozenset[int] = frozenset(),
) -> dict[int, Target]:
    """Each chat the story should reach, once, with the first reason (`feed:ID`/`topic:Q`)
    and the forum topic of the subscription or followed topic that gave it.

    Like a subscription, a followed topic gets only stories first seen after it was followed
    (`seen_at`, read from the store when not given). A subscription with a filter passes only
    stories matching it; a chat's mute query stops a story from any feed or topic. Both are
    asked of the full-text index, like topics, once per distinct query and story.
    The unfiltered subscriptions of chats in the `written` groups are left out (written already
    by `add_group_deliveries`), and so are the `reached` chats for topics.
    """
    verdicts: dict[str, bool] = {}

    def matches(text: str) -> bool:
        if text not in verdicts:
            verdicts[text] = _matches_text(conn, story_id, text)
        return verdicts[text]

    targets: dict[int, Target] = {}
    for chat, feed_id, thread, wanted in feed_subscribers(conn, story_id, written=written):
        if chat.id not in targets and (not wanted or matches(wanted)):
            targets[chat.id] = (chat, f"feed:{feed_id}", thread)
    if topics:
        if seen_at is None:
            seen_at = story_first_seen(conn, story_id)
        for chat, query, text, followed_at, thread in topics:
            if chat.id in targets or chat.id in reached:
                continue
            if seen_at is not None and seen_at < followed_at:
                continue
            if text not in verdicts:
                verdicts[text] = story_matches(conn, story_id, query)
            if verdicts[text]:
                targets[chat.id] = (chat, f"topic:{text}", thread)
    return {c: t for c, t in targets.items() if not (t[0].mute and matches(t[0].mute))}


def _matches_text(conn: Connection, story_id: int, text: str) -> bool:
    """Whether the story matches a stored query; one that no longer parses matches nothing
    (a filter that cannot be read lets nothing through, a mute stops nothing)."""
    try:
        query = parse_topic_query(text)
    except UserError:
        log.warning("skipping unusable stored query %r", text)
        return False
    return story_matches(conn, story_id, query)


def due_groups(conn: Connection, now: datetime, instant_window_s: float) -> list[DueGroup]:
    """The chats whose new stories fall due together, for set-based writes: instant chats
    without quiet hours, and daily chats by digest times and zone; none with a mute or a
    filter (those, quiet hours and unusable digest times are matched row by row)."""
    c = chats.c
    filtered = select(subscriptions.c.chat_id).where(subscriptions.c.filter.is_not(None))
    # A chat with a mute, or with any filtered subscription (its first carrier may be the
    # filtered one), is matched row by row.
    plain = and_(c.active, c.mute == "", c.id.not_in(filtered))
    instant = and_(plain, c.digest_mode == "instant", c.quiet_hours == "")
    groups = [DueGroup(instant, now + timedelta(seconds=instant_window_s))]
    for times, zone in sorted(set(daily_schedules(conn))):
        at = next_digest_at(times, zone, now)
        if at is not None:
            daily = and_(plain, c.digest_mode == "daily", c.digest_times == times)
            groups.append(DueGroup(and_(daily, c.timezone == zone), at))
    return groups


def match_story(
    conn: Connection,
    story_id: int,
    now: datetime,
    instant_window_s: float,
    topics: Topics | None = None,
    seen_at: datetime | None = None,
    groups: Sequence[DueGroup] | None = None,
) -> int:
    """Write the story's deliveries and mark it `matched`; return how many rows were new.

    Most chats (`due_groups`) with unfiltered subscriptions get their rows from one INSERT …
    SELECT per group. The others, and followed topics, are matched here row by row; a chat the
    set-based writes reached is skipped by the unique (chat, story) key.
    """
    if topics is None:
        topics = _parsed_topics(conn)
    if groups is None:
        groups = due_groups(conn, now, instant_window_s)
    reached = frozenset(add_group_deliveries(conn, story_id, groups, now))
    written = len(reached)
    others = story_targets(conn, story_id, topics, seen_at, written=groups, reached=reached)
    for chat, reason, thread in others.values():
        due = due_time(chat, now, instant_window_s)
        written += add_delivery(conn, chat.id, story_id, due, reason, now, thread)
    mark_matched(conn, story_id, now)
    return written


def match_ready(
    conn: Connection, now: datetime, *, instant_window_s: float, limit: int = 500
) -> int:
    """Match up to `limit` ready stories in this transaction; return deliveries written."""
    ready = ready_stories(conn, limit)
    if not ready:
        return 0
    topics = _parsed_topics(conn)
    groups = due_groups(conn, now, instant_window_s)
    return sum(
        match_story(conn, sid, now, instant_window_s, topics, seen, groups) for sid, seen in ready
    )


def reschedule_chat_deliveries(
    conn: Connection, chat_id: int, now: datetime, instant_window_s: float
) -> int:
    """After a chat changes its digest mode, times or timezone: move its pending rows."""
    chat = chat_targets(conn, [chat_id]).get(chat_id)
    if chat is None:
        return 0
    return reschedule_chat(conn, chat_id, due_time(chat, now, instant_window_s))


def update_digest_settings(
    conn: Connection, chat_id: int, now: datetime, values: Mapping[str, Any], window_s: float
) -> None:
    """Change a chat's digest mode, times, timezone or quiet hours and move its pending
    deliveries."""
    update_settings(conn, chat_id, now, values)
    reschedule_chat_deliveries(conn, chat_id, now, window_s)
