"""Use cases of `bot.services.commands` on a real store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, select, update

from bot.config import Config
from bot.errors import UserError
from bot.services.commands import Service
from bot.store import chats as chat_queries
from bot.store import feeds as feed_queries
from bot.store.deliveries import add_delivery
from bot.store.engine import Store
from bot.store.schema import deliveries, feeds
from tests.support.delivery_data import add_chat, add_feed, add_story

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
URL = "http://127.0.0.1:9/feed.xml"


async def test_subscribing_to_a_dead_feed_revives_it(db_url: str) -> None:
    store = Store(db_url)
    store.upgrade()
    feed_id = await store.write(feed_queries.add_feed, URL, NOW)
    await store.write(
        lambda c: c.execute(
            update(feeds)
            .where(feeds.c.id == feed_id)
            .values(status="dead", consecutive_failures=40, dead_notified=True)
        )
    )
    await store.write(chat_queries.register_chat, 42, "private", "", NOW, activate=True)
    service = Service(store, None, Config(), clock=lambda: NOW)

    await service.subscribe(42, URL)

    row = await store.read(lambda c: c.execute(select(feeds).where(feeds.c.id == feed_id)).one())
    assert (row.status, row.consecutive_failures, row.dead_notified) == ("new", 0, False)
    assert row.next_poll_at == NOW
    with pytest.raises(UserError):
        await service.subscribe(42, URL)  # already subscribed: a clear reply, no second revive
    store.close()


async def test_changing_the_digest_moves_pending_deliveries(db_url: str) -> None:
    store = Store(db_url)
    store.upgrade()

    def seed(conn: Connection) -> int:
        feed = add_feed(conn, "Wire")
        add_chat(conn, 42)
        story = add_story(conn, "s", [feed])
        add_delivery(conn, 42, story, NOW, "feed:1", NOW)
        return story

    await store.write(seed)
    service = Service(store, None, Config(), clock=lambda: NOW)
    due = select(deliveries.c.due_at)

    async def due_at() -> datetime:
        return await store.read(lambda c: c.execute(due).scalar_one())

    await service.set_digest(42, ["daily", "08:00"])
    assert await store.read(lambda c: c.execute(due).scalar()) == datetime(
        2026, 11, 26, 8, 0, tzinfo=UTC
    )
    await service.set_timezone(42, "Asia/Kolkata")  # 08:00 IST is 02:30 UTC
    assert await store.read(lambda c: c.execute(due).scalar()) == datetime(
        2026, 11, 26, 2, 30, tzinfo=UTC
    )
    await service.set_digest(42, ["instant"])
    window = timedelta(seconds=Config().delivery.instant_window_s)
    assert await due_at() == NOW + window
    store.close()
