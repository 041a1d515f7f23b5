"""Chats, settings, subscriptions, topics and stats in the store (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, select

from bot.core.models import ChatSettings, KeptTopic, Removal
from bot.store import chats as q
from bot.store import stats as stats_queries
from bot.store.deliveries import add_delivery
from bot.store.engine import Store
from bot.store.feeds import add_feed, feed_by_id
from bot.store.schema import deliveries
from tests.support.story_data import add_story

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """A migrated store with two chats."""
    store = Store(db_url)
    store.upgrade()
    store.write_sync(q.register_chat, 1, "private", "Ann", NOW, activate=True)
    store.write_sync(q.register_chat, -5, "group", "Team", NOW, activate=True)
    yield store
    store.close()


def _feed(store: Store, url: str) -> int:
    return store.write_sync(add_feed, url, NOW)


def test_register_updates_title_and_reactivates_only_on_start(store: Store) -> None:
    store.write_sync(q.set_chat_active, -5, False, NOW)
    store.write_sync(q.register_chat, -5, "supergroup", "Team 2", NOW, activate=False)
    chat = store.read_sync(q.get_chat, -5)
    assert chat is not None
    assert (chat.kind, chat.title, chat.active) == ("supergroup", "Team 2", False)
    store.write_sync(q.register_chat, -5, "supergroup", "Team 2", NOW, activate=True)
    assert store.read_sync(q.get_chat, -5).active  # type: ignore[union-attr]
    assert store.read_sync(q.get_chat, 999) is None


def test_settings_change_one_chat_only(store: Store) -> None:
    store.write_sync(
        q.update_settings,
        1,
        NOW,
        {"summary_sentences": 5, "link_previews": True, "timezone": "Asia/Tokyo"},
    )
    store.write_sync(
        q.update_settings, 1, NOW, {"digest_mode": "daily", "digest_times": "08:00,18:30"}
    )
    ann, team = store.read_sync(q.get_chat, 1), store.read_sync(q.get_chat, -5)
    assert ann == ChatSettings(
        1, "private", "Ann", True, 5, True, "daily", "08:00,18:30", "Asia/Tokyo"
    )
    assert team == ChatSettings(-5, "group", "Team")
    with pytest.raises(ValueError, match="not a chat setting"):
        store.write_sync(q.update_settings, 1, NOW, {"active": False})


def test_subscriptions_with_limit(store: Store) -> None:
    a, b, c = (_feed(store, f"https://f{i}.example/rss") for i in range(3))
    assert _feed(store, "https://f0.example/rss") == a
    assert store.write_sync(q.add_subscription, 1, a, 2, NOW) == "added"
    assert store.write_sync(q.add_subscription, 1, a, 2, NOW) == "exists"
    assert store.write_sync(q.add_subscription, 1, b, 2, NOW) == "added"
    assert store.write_sync(q.add_subscription, 1, c, 2, NOW) == "limit"
    assert store.write_sync(q.add_subscription, -5, c, 2, NOW) == "added"
    rows = store.read_sync(q.list_subscriptions, 1)
    assert [(r.id, r.status) for r in rows] == [(a, "new"), (b, "new")]
    assert store.read_sync(q.subscribed_feed_ids, -5) == [c]
    assert store.write_sync(q.remove_subscription, 1, a)
    assert not store.write_sync(q.remove_subscription, 1, a)
    [kept] = store.write_sync(q.take_subscriptions, 1)
    assert (kept.feed_id, kept.created_at, kept.thread_id) == (b, NOW, None)
    assert store.read_sync(q.count_subscriptions, 1) == 0
    assert store.read_sync(q.count_subscriptions, -5) == 1
    store.write_sync(q.describe_feed, c, "Feed C", "https://f2.example/")
    store.write_sync(q.describe_feed, c, "Renamed", "")
    row = store.read_sync(feed_by_id, c)
    assert row is not None
    assert (row.title, row.site_url) == ("Feed C", "https://f2.example/")


def test_topics_with_limit(store: Store) -> None:
    assert store.write_sync(q.add_topic, 1, "syria", 2, NOW) == "added"
    assert store.write_sync(q.add_topic, 1, "syria", 2, NOW) == "exists"
    assert store.write_sync(q.add_topic, 1, '"climate deal"', 2, NOW) == "added"
    assert store.write_sync(q.add_topic, 1, "iran", 2, NOW) == "limit"
    assert store.write_sync(q.add_topic, -5, "iran", 2, NOW) == "added"
    assert store.read_sync(q.list_topics, 1) == ["syria", '"climate deal"']
    assert store.write_sync(q.remove_topic, 1, "syria")
    assert not store.write_sync(q.remove_topic, 1, "syria")
    assert store.write_sync(q.take_topics, 1) == [KeptTopic('"climate deal"', NOW)]
    assert store.read_sync(q.list_topics, -5) == ["iran"]


def test_a_removal_is_put_back_exactly_within_the_limits(store: Store) -> None:
    later = NOW + timedelta(hours=1)
    a, b, c = (_feed(store, f"https://u{i}.example/rss") for i in range(3))
    store.write_sync(q.add_subscription, 1, a, 3, NOW, 7)  # made in forum topic 7
    store.write_sync(q.add_subscription, 1, b, 3, later)
    store.write_sync(q.add_topic, 1, "syria", 3, NOW, 7)
    store.write_sync(q.add_subscription, -5, c, 3, NOW)
    feeds_taken = tuple(store.write_sync(q.take_subscriptions, 1))
    topics_taken = tuple(store.write_sync(q.take_topics, 1))
    assert store.read_sync(q.subscribed_feed_ids, 1) == []
    assert store.read_sync(q.subscribed_feed_ids, -5) == [c]  # another chat's stay
    removal = Removal(1, later, feeds=feeds_taken, topics=topics_taken)
    assert store.write_sync(q.restore_removal, removal, 3, 3) == 3
    assert store.read_sync(q.subscription_threads, 1) == {a: 7}
    assert store.read_sync(q.topic_threads, 1) == {"syria": 7}
    assert store.write_sync(q.take_subscriptions, 1, a) == [feeds_taken[0]]  # as it was made
    assert feeds_taken[1].created_at == later
    # Back again, over a limit of 1 (one feed came back meanwhile): only what fits.
    store.write_sync(q.take_subscriptions, 1)
    store.write_sync(q.add_subscription, 1, c, 3, later)
    assert store.write_sync(q.restore_removal, Removal(1, later, feeds=feeds_taken), 2, 3) == 1
    assert set(store.read_sync(q.subscribed_feed_ids, 1)) == {a, c}


def test_stats_and_failing_feeds(store: Store) -> None:
    a = _feed(store, "https://a.example/rss")
    _feed(store, "https://b.example/rss")
    store.write_sync(q.add_topic, 1, "syria", 5, NOW)
    store.write_sync(q.set_chat_active, -5, False, NOW)

    def fail(conn: object) -> None:
        from sqlalchemy import update

        from bot.store.schema import feeds

        conn.execute(  # type: ignore[attr-defined]
            update(feeds).where(feeds.c.id == a).values(status="failing", consecutive_failures=3)
        )

    store.write_sync(fail)
    counts = store.read_sync(stats_queries.stats)
    assert counts == {
        "chats": 2,
        "active": 1,
        "feeds": 2,
        "ok": 0,
        "failing": 1,
        "dead": 0,
        "stories": 0,
        "stories_fallback": 0,
        "stories_failed": 0,
        "sent": 0,
        "pending": 0,
        "failed": 0,
        "topics": 1,
        "stories_new": 0,
        "stories_ready": 0,
        "oldest_due_epoch": 0,
    }
    assert [r.id for r in store.read_sync(stats_queries.failing_feeds)] == [a]


async def test_concurrent_subscriptions_never_pass_the_limit(store: Store) -> None:
    """Count-then-insert under a held chat row: 20 at once against a limit of 5 add 5."""
    ids = [_feed(store, f"https://race.example/{i}.xml") for i in range(20)]
    results = await asyncio.gather(
        *(store.write(q.add_subscription, 1, feed_id, 5, NOW) for feed_id in ids)
    )
    assert results.count("added") == 5
    assert results.count("limit") == 15
    assert store.read_sync(q.count_subscriptions, 1) == 5


async def test_concurrent_topics_never_pass_the_limit(store: Store) -> None:
    results = await asyncio.gather(
        *(store.write(q.add_topic, 1, f"topic{i}", 3, NOW) for i in range(12))
    )
    assert results.count("added") == 3
    assert len(store.read_sync(q.list_topics, 1)) == 3


def test_who_added_a_channel_and_who_manages_it(store: Store) -> None:
    store.write_sync(q.register_chat, -100, "channel", "Brief", NOW, activate=True, added_by=1)
    store.write_sync(q.register_chat, -101, "channel", "Other", NOW, activate=True, added_by=2)
    store.write_sync(q.register_chat, -100, "channel", "Brief", NOW, activate=False)
    brief = store.read_sync(q.get_chat, -100)
    assert brief is not None
    assert brief.added_by == 1  # a later message in the chat keeps who added the bot
    assert [c.chat_id for c in store.read_sync(q.manage_candidates, 1, 20)] == [-100]
    assert store.read_sync(q.managed_chat, 1) is None
    store.write_sync(q.set_manager, 1, -101, NOW)  # picked by id after Telegram said yes
    assert store.read_sync(q.managed_chat, 1).chat_id == -101  # type: ignore[union-attr]
    assert {c.chat_id for c in store.read_sync(q.manage_candidates, 1, 20)} == {-100, -101}
    store.write_sync(q.set_manager, 1, None, NOW)
    assert store.read_sync(q.managed_chat, 1) is None


def test_removing_a_chat_cancels_its_deliveries_and_says_it_once(store: Store) -> None:
    store.write_sync(q.register_chat, -100, "channel", "Brief", NOW, activate=True, added_by=1)
    store.write_sync(q.set_manager, 1, -100, NOW)

    def seed(conn: Connection) -> None:
        for n in range(2):
            add_delivery(conn, -100, add_story(conn, f"S{n}"), NOW, "feed:1", NOW)
        add_delivery(conn, -5, add_story(conn, "Group story"), NOW, "feed:1", NOW)

    store.write_sync(seed)
    first = store.write_sync(q.remove_chat, -100, NOW, "the bot is left in this chat")
    assert (first.was_active, first.cancelled, first.added_by, first.title) == (
        True,
        2,
        1,
        "Brief",
    )
    again = store.write_sync(q.remove_chat, -100, NOW, "the bot is kicked in this chat")
    assert (again.was_active, again.cancelled) == (False, 0)
    assert store.read_sync(q.managed_chat, 1) is None
    states = store.read_sync(
        lambda conn: sorted(conn.execute(select(deliveries.c.chat_id, deliveries.c.state)).all())
    )
    assert states == [(-100, "cancelled"), (-100, "cancelled"), (-5, "pending")]
    assert store.write_sync(q.remove_chat, -999, NOW, "x").was_active is False
