"""Forum groups: each subscription's stories go to the topic it was made in, through real PTB.

Commands are fed as updates inside forum topics; the stories are then matched and sent by the
real `Dispatcher` with the real `TelegramSender`, and the stand-in says where each landed. A
topic closed or deleted meanwhile answers as Telegram does (400 TOPIC_CLOSED / message thread
not found), and its stories go to General.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot import texts
from bot.core.render import to_plain
from bot.store.schema import deliveries
from tests.support.story_data import add_feed
from tests.support.tg_bot import Bot, catalogue_feed_id, deliver, fresh_story
from tests.support.tg_updates import SUPERGROUP_CHAT_ID

FORUM = SUPERGROUP_CHAT_ID
TECH, WORLD = 7, 9  # forum topics (message_thread_id)


@pytest.fixture
def forum(bot: Bot) -> Bot:
    """The supergroup as a forum with two open topics."""
    for thread in (TECH, WORLD):
        bot.api.set_forum_topic(FORUM, thread)
    return bot


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
    fresh_story(forum, "Chip makers merge", catalogue_feed_id(forum, "Tech"))
    fresh_story(forum, "Summit opens", catalogue_feed_id(forum, "World"))
    sent = await deliver(forum, FORUM)
    assert set(sent) == {TECH, WORLD}
    assert "Chip makers merge" in sent[TECH][0]
    assert "Summit opens" in sent[WORLD][0]


async def test_a_topic_followed_in_general_sends_there_and_a_feed_wins_over_it(
    forum: Bot,
) -> None:
    await _subscribe_in_topics(forum)
    other = forum.store.write_sync(lambda conn: add_feed(conn, "https://other.example/rss"))
    fresh_story(forum, "Volcano erupts", other)  # only the followed topic matches it
    fresh_story(
        forum, "Volcano chips", catalogue_feed_id(forum, "Tech")
    )  # the subscription does too
    sent = await deliver(forum, FORUM)
    assert "Volcano erupts" in sent[None][0]
    assert "Volcano chips" in sent[TECH][0]
    assert len(sent[None]) == len(sent[TECH]) == 1  # each story once


@pytest.mark.parametrize("state", ["closed", "deleted"])
async def test_a_closed_or_deleted_topic_falls_back_to_general_once_and_loses_nothing(
    forum: Bot, state: str
) -> None:
    await _subscribe_in_topics(forum)
    forum.api.set_forum_topic(FORUM, TECH, state)
    fresh_story(forum, "Chip makers merge", catalogue_feed_id(forum, "Tech"))
    fresh_story(forum, "Chip fab opens", catalogue_feed_id(forum, "Tech"))
    first = await deliver(forum, FORUM)
    assert list(first) == [None]
    assert first[None][0] == to_plain(str(texts.THREAD_GONE))
    assert "Chip makers merge" in first[None][1]
    assert "Chip fab opens" in first[None][1]
    fresh_story(forum, "Chip prices fall", catalogue_feed_id(forum, "Tech"))
    again = await deliver(forum, FORUM)
    assert list(again) == [None]
    assert len(again[None]) == 1  # General was told once
    assert "Chip prices fall" in again[None][0]
    states = forum.store.read_sync(
        lambda conn: set(conn.execute(select(deliveries.c.state)).scalars())
    )
    assert states == {"sent"}
    feeds = await forum.text("feeds", chat=FORUM)
    assert feeds.count("in a forum topic") == 1  # World's still goes to its topic
