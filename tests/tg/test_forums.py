"""Forum groups: each subscription's stories go to the topic it was made in, through real PTB.

Commands are fed as updates inside forum topics; the stories are then matched and sent by the
real `Dispatcher` with the real `TelegramSender`, and the stand-in says where each landed. A
topic closed or deleted meanwhile answers as Telegram does (400 TOPIC_CLOSED / message thread
not found), and its stories go to General.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

import pytest
from sqlalchemy import Connection, insert, select

from bot import texts
from bot.config import DeliveryConfig
from bot.core.render import to_plain
from bot.services.delivery import Dispatcher
from bot.store.feeds import feed_by_url
from bot.store.schema import deliveries, stories, story_sources
from bot.tg.sender import TelegramSender
from tests.support.story_data import add_feed
from tests.support.tg_bot import Bot
from tests.support.tg_updates import SUPERGROUP_CHAT_ID

FORUM = SUPERGROUP_CHAT_ID
TECH, WORLD = 7, 9  # forum topics (message_thread_id)
FAST = DeliveryConfig(global_per_s=100, group_per_min=600, instant_window_s=0, retry_base_s=0.1)
_keys = count(1)


@pytest.fixture
def forum(bot: Bot) -> Bot:
    """The supergroup as a forum with two open topics."""
    for thread in (TECH, WORLD):
        bot.api.set_forum_topic(FORUM, thread)
    return bot


def _feed_id(bot: Bot, name: str) -> int:
    url = next(f.url for f in bot.config.feeds if f.name == name)
    feed = bot.store.read_sync(feed_by_url, url)
    assert feed is not None
    return feed.id


def _new_story(bot: Bot, title: str, feed_id: int) -> None:
    """A ready story the feed brought just now (after the subscriptions were made)."""
    key = f"forum-{next(_keys)}"
    seen = datetime.now(UTC) + timedelta(seconds=1)

    def write(conn: Connection) -> None:
        story = conn.execute(
            insert(stories)
            .values(
                key=key,
                feed_id=feed_id,
                url=f"https://news.example/{key}",
                title=title,
                summary="",
                search_doc=title.lower(),
                state="ready",
                created_at=seen,
                updated_at=seen,
            )
            .returning(stories.c.id)
        ).scalar_one()
        conn.execute(
            insert(story_sources).values(
                feed_id=feed_id, item_key=key, story_id=story, first_seen_at=seen
            )
        )

    bot.store.write_sync(write)


async def _deliver(bot: Bot) -> dict[int | None, list[str]]:
    """Match and send what is due; the new forum messages by topic (None: General)."""
    before = len(bot.api.sent_messages(FORUM))
    dispatcher = Dispatcher(bot.store, TelegramSender(bot.app.bot), FAST)
    now = datetime.now(UTC) + timedelta(seconds=5)
    await dispatcher.match_ready(now)
    await dispatcher.send_due(now)
    by_thread: dict[int | None, list[str]] = {}
    for message in bot.api.sent_messages(FORUM)[before:]:
        by_thread.setdefault(message["message_thread_id"], []).append(to_plain(message["text"]))
    return by_thread


async def _subscribe_in_topics(bot: Bot) -> None:
    [tech] = await bot.command("subscribe", "Tech", chat=FORUM, thread_id=TECH)
    assert tech["message_thread_id"] == TECH  # the reply is in the topic it was asked in
    await bot.command("subscribe", "World", chat=FORUM, thread_id=WORLD)
    await bot.command("follow", "volcano", chat=FORUM)  # in General


async def test_each_subscription_sends_to_the_topic_it_was_made_in(forum: Bot) -> None:
    await _subscribe_in_topics(forum)
    feeds = await forum.text("feeds", chat=FORUM, thread_id=TECH)
    assert feeds.count("in a forum topic") == 2
    topics = await forum.text("topics", chat=FORUM)
    assert "volcano" in topics
    assert "forum topic" not in topics
    _new_story(forum, "Chip makers merge", _feed_id(forum, "Tech"))
    _new_story(forum, "Summit opens", _feed_id(forum, "World"))
    sent = await _deliver(forum)
    assert set(sent) == {TECH, WORLD}
    assert "Chip makers merge" in sent[TECH][0]
    assert "Summit opens" in sent[WORLD][0]


async def test_a_topic_followed_in_general_sends_there_and_a_feed_wins_over_it(
    forum: Bot,
) -> None:
    await _subscribe_in_topics(forum)
    other = forum.store.write_sync(lambda conn: add_feed(conn, "https://other.example/rss"))
    _new_story(forum, "Volcano erupts", other)  # only the followed topic matches it
    _new_story(forum, "Volcano chips", _feed_id(forum, "Tech"))  # the subscription does too
    sent = await _deliver(forum)
    assert "Volcano erupts" in sent[None][0]
    assert "Volcano chips" in sent[TECH][0]
    assert len(sent[None]) == len(sent[TECH]) == 1  # each story once


@pytest.mark.parametrize("state", ["closed", "deleted"])
async def test_a_closed_or_deleted_topic_falls_back_to_general_once_and_loses_nothing(
    forum: Bot, state: str
) -> None:
    await _subscribe_in_topics(forum)
    forum.api.set_forum_topic(FORUM, TECH, state)
    _new_story(forum, "Chip makers merge", _feed_id(forum, "Tech"))
    _new_story(forum, "Chip fab opens", _feed_id(forum, "Tech"))
    first = await _deliver(forum)
    assert list(first) == [None]
    assert first[None][0] == to_plain(texts.THREAD_GONE)
    assert "Chip makers merge" in first[None][1]
    assert "Chip fab opens" in first[None][1]
    _new_story(forum, "Chip prices fall", _feed_id(forum, "Tech"))
    again = await _deliver(forum)
    assert list(again) == [None]
    assert len(again[None]) == 1  # General was told once
    assert "Chip prices fall" in again[None][0]
    states = forum.store.read_sync(
        lambda conn: set(conn.execute(select(deliveries.c.state)).scalars())
    )
    assert states == {"sent"}
    feeds = await forum.text("feeds", chat=FORUM)
    assert feeds.count("in a forum topic") == 1  # World's still goes to its topic
