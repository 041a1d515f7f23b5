"""The bot-wide counts, in one function: `/stats`, `digest-bot status` and `/healthz` show them.

Each caller names the figures its own way (`/healthz` says `pending_deliveries`, `status` says
`feeds_ok`), but they all count here, in one read transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, select

from bot.core.models import Feed
from bot.store.schema import chats, deliveries, feeds, stories, topics


def _count_by(conn: Connection, column: Any) -> dict[str, int]:
    stmt = select(column, func.count()).group_by(column)
    return {str(key): int(n) for key, n in conn.execute(stmt)}


def stats(conn: Connection) -> dict[str, int]:
    """Bot-wide counts: chats, feeds by status, stories, deliveries by state, topics."""
    chat_states = _count_by(conn, chats.c.active)
    feed_states = _count_by(conn, feeds.c.status)
    delivery_states = _count_by(conn, deliveries.c.state)
    active = sum(n for key, n in chat_states.items() if key in {"True", "1"})
    story_count = conn.execute(select(func.count()).select_from(stories)).scalar_one()
    # Stories given up, and stories done from their feed's text after their page failed.
    given_up = conn.execute(select(func.count()).where(stories.c.state == "failed")).scalar_one()
    fallback = conn.execute(
        select(func.count()).where(stories.c.state != "failed", stories.c.enrich_error != "")
    ).scalar_one()
    topic_count = conn.execute(select(func.count()).select_from(topics)).scalar_one()
    story_states = _count_by(conn, stories.c.state)
    oldest = conn.execute(
        select(func.min(deliveries.c.due_at)).where(deliveries.c.state.in_(("pending", "sending")))
    ).scalar()
    return {
        "chats": sum(chat_states.values()),
        "active": active,
        "feeds": sum(feed_states.values()),
        "ok": feed_states.get("ok", 0),
        "failing": feed_states.get("failing", 0),
        "dead": feed_states.get("dead", 0),
        "stories": int(story_count),
        "stories_fallback": int(fallback),
        "stories_failed": int(given_up),
        "sent": delivery_states.get("sent", 0),
        "pending": delivery_states.get("pending", 0) + delivery_states.get("sending", 0),
        "failed": delivery_states.get("failed", 0),
        "topics": int(topic_count),
        "stories_new": story_states.get("new", 0),
        "stories_ready": story_states.get("ready", 0) + story_states.get("matched", 0),
        "oldest_due_epoch": int(_utc(oldest).timestamp()) if oldest is not None else 0,
    }


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def failing_feeds(conn: Connection, limit: int = 10) -> list[Feed]:
    """Feeds that are failing or dead, most failures first."""
    stmt = (
        select(feeds)
        .where(feeds.c.status.in_(("failing", "dead")))
        .order_by(feeds.c.consecutive_failures.desc(), feeds.c.id)
        .limit(limit)
    )
    return [Feed(**row) for row in conn.execute(stmt).mappings()]
