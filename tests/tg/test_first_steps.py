"""A new user's first steps through real PTB against the stand-in: /start with the suggested
feeds and example topics, deep links, and the greeting of a group the bot is added to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection

from bot import texts
from bot.store.chats import list_topics, subscribed_feed_ids
from tests.support.feed_server import FeedServer
from tests.support.story_data import add_feed, add_story
from tests.support.tg_api import BotApiStandIn
from tests.support.tg_bot import PRIVATE, Bot, buttons, catalogue_feed_id, running_bot
from tests.support.tg_updates import (
    BOT_USERNAME,
    GROUP_CHAT_ID,
    SUPERGROUP_CHAT_ID,
    USER_ID,
    my_chat_member_update,
)

MEMBER = 2002  # a group member who is not an administrator
SUBSCRIBE = str(texts.START_SUBSCRIBE_BUTTON)


def _last_answer(bot: Bot) -> str:
    return str(bot.api.calls_of("answerCallbackQuery")[-1].params.get("text") or "")


async def test_start_names_the_suggested_feeds_and_its_buttons_subscribe_and_follow(
    bot: Bot,
) -> None:
    [start] = await bot.command("start")
    text = start["plain_text"]
    assert "Suggested feeds: World." in text  # the default one; Tech is not
    assert "Tech" not in text
    keys = buttons(start)
    assert keys[SUBSCRIBE] == f"subdef@{PRIVATE}"
    follows = [texts.START_FOLLOW_BUTTON.format(topic=t) for t in texts.START_TOPICS]
    assert list(keys) == [SUBSCRIBE, *follows]
    [done] = await bot.press(keys[SUBSCRIBE], start)
    assert done["plain_text"] == "Subscribed to 1 default feed: World."
    assert bot.store.read_sync(subscribed_feed_ids, PRIVATE) == [catalogue_feed_id(bot, "World")]
    [followed] = await bot.press(keys[follows[0]], start)
    assert str(texts.START_TOPICS[0]) in followed["plain_text"]
    assert bot.store.read_sync(list_topics, PRIVATE) == [str(texts.START_TOPICS[0])]
    await bot.press(keys[SUBSCRIBE], start)
    assert "already follows every default feed" in _last_answer(bot)


async def test_start_without_default_feeds_has_no_subscribe_button(
    api: BotApiStandIn, feed_server: FeedServer, tmp_path: Path
) -> None:
    async with running_bot(api, feed_server, tmp_path, feeds=()) as bot:
        [start] = await bot.command("start")
    assert SUBSCRIBE not in buttons(start)
    assert "/subscribe <feed URL> adds a feed." in start["plain_text"]


async def test_in_a_group_only_administrators_subscribe_from_start(bot: Bot) -> None:
    [start] = await bot.command("start", chat=GROUP_CHAT_ID, user=MEMBER)
    keys = buttons(start)
    assert await bot.press(keys[SUBSCRIBE], start, user=MEMBER) == []
    assert _last_answer(bot) == str(texts.ADMINS_ONLY)
    await bot.press(keys[texts.START_FOLLOW_BUTTON.format(topic="climate")], start, user=MEMBER)
    assert _last_answer(bot) == str(texts.ADMINS_ONLY)
    assert bot.store.read_sync(subscribed_feed_ids, GROUP_CHAT_ID) == []
    assert bot.store.read_sync(list_topics, GROUP_CHAT_ID) == []
    [done] = await bot.press(keys[SUBSCRIBE], start, user=USER_ID)
    assert "World" in done["plain_text"]


async def test_a_subscribe_deep_link_subscribes_with_the_checks_of_subscribe(bot: Bot) -> None:
    assert await bot.text("start", "subscribe-Tech") == (
        "Subscribed to Tech. New stories will arrive here; /latest shows recent ones."
    )
    assert bot.store.read_sync(subscribed_feed_ids, PRIVATE) == [catalogue_feed_id(bot, "Tech")]
    assert "already subscribed to Tech" in await bot.text("start", "subscribe-Tech")
    group = {"chat": SUPERGROUP_CHAT_ID, "bot_username": BOT_USERNAME}
    assert await bot.text("start", "subscribe-World", user=MEMBER, **group) == str(
        texts.ADMINS_ONLY
    )
    assert bot.store.read_sync(subscribed_feed_ids, SUPERGROUP_CHAT_ID) == []
    assert "Subscribed to World" in await bot.text("start", "subscribe-World", **group)


def _stories(conn: Connection) -> None:
    feed = add_feed(conn, "https://world.example/rss", name="World Wire")
    now = datetime.now(UTC)
    add_story(conn, "Cheese prices rise", "Dairy farmers.", feed_id=feed, published=now)
    add_story(conn, "Rain and wind", "Storms.", feed_id=feed, published=now - timedelta(hours=1))


async def test_a_topic_deep_link_shows_the_topic_with_its_follow_button(bot: Bot) -> None:
    bot.store.write_sync(_stories)
    [found] = await bot.command("start", "topic-cheese_prices")
    assert found["plain_text"].startswith("Stories on cheese prices")
    assert "Cheese prices rise" in found["plain_text"]
    assert "Rain and wind" not in found["plain_text"]
    await bot.press(buttons(found)[str(texts.FOLLOW_BUTTON)], found)
    assert bot.store.read_sync(list_topics, PRIVATE) == ["cheese prices"]


async def test_an_unknown_deep_link_greets_and_says_it_was_not_understood(bot: Bot) -> None:
    unknown = to_line(str(texts.START_LINK_UNKNOWN))
    for payload in ("hello", "subscribe-nowhere", "topic-", "two words"):
        [start] = await bot.command("start", payload)
        assert start["plain_text"].startswith("Hello!")
        assert start["plain_text"].endswith(unknown)
        assert SUBSCRIBE in buttons(start)
    [plain] = await bot.command("start")
    assert not plain["plain_text"].endswith(unknown)


def to_line(html: str) -> str:
    return html.strip().removeprefix("<i>").removesuffix("</i>")


async def test_a_group_is_greeted_once_when_the_bot_is_added(bot: Bot) -> None:
    await bot.feed(my_chat_member_update(GROUP_CHAT_ID, new_status="member", old_status="left"))
    [greeting] = bot.api.sent_messages(GROUP_CHAT_ID)
    assert greeting["text"] == str(texts.GROUP_GREETING)
    assert "anyone may use /latest and /topic" in greeting["plain_text"]
    await bot.feed(  # promoted: not an addition
        my_chat_member_update(GROUP_CHAT_ID, new_status="administrator", old_status="member")
    )
    assert len(bot.api.sent_messages(GROUP_CHAT_ID)) == 1
    await bot.feed(my_chat_member_update(GROUP_CHAT_ID, new_status="left", old_status="member"))
    await bot.feed(my_chat_member_update(GROUP_CHAT_ID, new_status="member", old_status="left"))
    assert len(bot.api.sent_messages(GROUP_CHAT_ID)) == 2  # added again: greeted again


async def test_a_channel_is_not_greeted_but_whoever_added_it_is_told(bot: Bot) -> None:
    channel = -1002000000042
    bot.api.set_chat(channel, "channel", "Morning Brief")
    await bot.feed(
        my_chat_member_update(
            channel, new_status="administrator", chat_type="channel", title="Morning Brief"
        )
    )
    assert bot.api.sent_messages(channel) == []
    [told] = bot.api.sent_messages(PRIVATE)
    assert "/manage" in told["plain_text"]
