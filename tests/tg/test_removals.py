"""Asking before removing, and undo, through real PTB against the stand-in: `/unsubscribe
all`, `/unfollow all` and the Remove buttons of /feeds ask Yes / Cancel (the message edited
in place); Yes offers Undo for a minute of the handlers' clock, which the test moves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot import texts
from bot.core.render import to_plain
from bot.store.chats import list_topics, subscribed_feed_ids, subscription_threads, topic_threads
from tests.support.feed_server import FeedServer
from tests.support.tg_api import BotApiStandIn
from tests.support.tg_bot import PRIVATE, Bot, SetClock, buttons, catalogue_feed_id, running_bot
from tests.support.tg_updates import SUPERGROUP_CHAT_ID, USER_ID

GROUP = SUPERGROUP_CHAT_ID  # a forum; USER_ID administers it
MEMBER = 2002
THREAD = 7


@pytest.fixture
def clock() -> SetClock:
    return SetClock()


@pytest.fixture
async def bot(
    api: BotApiStandIn, feed_server: FeedServer, tmp_path: Path, clock: SetClock
) -> AsyncIterator[Bot]:
    async with running_bot(api, feed_server, tmp_path, clock=clock) as running:
        yield running


def _answer(bot: Bot) -> str:
    return str(bot.api.calls_of("answerCallbackQuery")[-1].params.get("text") or "")


async def _press(bot: Bot, label: str, message: dict[str, Any], user: int = USER_ID) -> str:
    """Press the button `label` of the message as it is now; its text afterwards."""
    assert await bot.press(buttons(bot.current(message))[label], message, user=user) == []
    return str(bot.current(message)["text"])


async def _forum_with_two_feeds(bot: Bot) -> None:
    bot.api.set_forum_topic(GROUP, THREAD)
    await bot.command("subscribe", "World", chat=GROUP, thread_id=THREAD)
    await bot.command("subscribe", "Tech", chat=GROUP)


async def test_unsubscribe_all_asks_then_undo_puts_back_the_feeds_with_their_topics(
    bot: Bot, clock: SetClock
) -> None:
    await _forum_with_two_feeds(bot)
    feeds = set(bot.store.read_sync(subscribed_feed_ids, GROUP))
    [question] = await bot.command("unsubscribe", "all", chat=GROUP)
    assert question["plain_text"] == "Unsubscribe this chat from all 2 feeds?"
    keys = buttons(question)
    assert list(keys) == [str(texts.YES_BUTTON), str(texts.CANCEL_BUTTON)]
    assert all(data.endswith(f"@{GROUP}") for data in keys.values())
    assert await _press(bot, str(texts.CANCEL_BUTTON), question) == str(texts.NOTHING_CHANGED)
    assert set(bot.store.read_sync(subscribed_feed_ids, GROUP)) == feeds

    [question] = await bot.command("unsubscribe", "all", chat=GROUP)
    assert await _press(bot, str(texts.YES_BUTTON), question) == "Unsubscribed from all 2 feeds."
    assert bot.store.read_sync(subscribed_feed_ids, GROUP) == []
    assert list(buttons(bot.current(question))) == [str(texts.UNDO_BUTTON)]
    clock.advance(59)
    assert await _press(bot, str(texts.UNDO_BUTTON), question) == texts.UNDONE_FEEDS.format(
        count=2
    )
    assert set(bot.store.read_sync(subscribed_feed_ids, GROUP)) == feeds
    world = catalogue_feed_id(bot, "World")
    assert bot.store.read_sync(subscription_threads, GROUP) == {world: THREAD}


async def test_undo_after_a_minute_has_expired(bot: Bot, clock: SetClock) -> None:
    await bot.command("subscribe")
    [question] = await bot.command("unsubscribe", "all")
    await _press(bot, str(texts.YES_BUTTON), question)
    clock.advance(61)
    assert await bot.press(buttons(bot.current(question))[str(texts.UNDO_BUTTON)], question) == []
    assert _answer(bot) == str(texts.UNDO_EXPIRED)
    assert bot.store.read_sync(subscribed_feed_ids, PRIVATE) == []


async def test_unfollow_all_asks_and_undo_follows_the_topics_again(bot: Bot) -> None:
    bot.api.set_forum_topic(GROUP, THREAD)
    await bot.command("follow", "syria", chat=GROUP, thread_id=THREAD)
    await bot.command("follow", "climate deal", chat=GROUP)
    [question] = await bot.command("unfollow", "all", chat=GROUP)
    assert question["plain_text"] == "Stop following all 2 topics in this chat?"
    assert await _press(bot, str(texts.YES_BUTTON), question) == "Stopped following all 2 topics."
    assert bot.store.read_sync(list_topics, GROUP) == []
    undo = buttons(bot.current(question))[str(texts.UNDO_BUTTON)]
    assert await _press(bot, str(texts.UNDO_BUTTON), question) == texts.UNDONE_TOPICS.format(
        count=2
    )
    assert bot.store.read_sync(list_topics, GROUP) == ["syria", "climate deal"]
    assert bot.store.read_sync(topic_threads, GROUP) == {"syria": THREAD}
    assert list(buttons(bot.current(question))) == []
    await bot.press(undo, question)  # the same Undo again: it works once
    assert _answer(bot) == str(texts.UNDO_EXPIRED)


async def test_nothing_to_remove_says_so_without_asking(bot: Bot) -> None:
    assert await bot.text("unsubscribe", "all") == to_plain(str(texts.NO_FEEDS))
    assert await bot.text("unfollow", "all") == to_plain(str(texts.NO_TOPICS))


async def test_a_remove_button_asks_in_place_and_can_be_undone(bot: Bot) -> None:
    await bot.command("subscribe")
    await bot.command("subscribe", "Tech")
    [listing] = await bot.command("feeds")
    assert await _press(bot, "Remove World", listing) == "Unsubscribe this chat from World?"
    assert buttons(bot.current(listing))[str(texts.YES_BUTTON)] == (
        f"yes:unsub:{catalogue_feed_id(bot, 'World')}@{PRIVATE}"
    )
    assert "1. World" in await _press(bot, str(texts.CANCEL_BUTTON), listing)  # the list again
    assert len(bot.store.read_sync(subscribed_feed_ids, PRIVATE)) == 2
    await _press(bot, "Remove World", listing)
    text = await _press(bot, str(texts.YES_BUTTON), listing)
    assert text.startswith("Unsubscribed from World.\n\nThis chat's feeds (1 of 3)")
    assert list(buttons(bot.current(listing))) == [
        str(texts.UNDO_BUTTON),
        "Remove Tech",
        "Filter Tech",
    ]
    assert bot.store.read_sync(subscribed_feed_ids, PRIVATE) == [catalogue_feed_id(bot, "Tech")]
    assert await _press(bot, str(texts.UNDO_BUTTON), listing) == texts.UNDONE_FEEDS.format(count=1)
    assert len(bot.store.read_sync(subscribed_feed_ids, PRIVATE)) == 2


async def test_in_a_group_each_press_is_checked_against_who_pressed_it(bot: Bot) -> None:
    await _forum_with_two_feeds(bot)
    [listing] = await bot.command("feeds", chat=GROUP, user=MEMBER)  # anyone may look
    await _press(bot, "Remove Tech", listing, user=MEMBER)
    assert _answer(bot) == str(texts.ADMINS_ONLY)
    [question] = await bot.command("unsubscribe", "all", chat=GROUP)
    for label in (str(texts.YES_BUTTON), str(texts.CANCEL_BUTTON)):
        await _press(bot, label, question, user=MEMBER)
        assert _answer(bot) == str(texts.ADMINS_ONLY)
    assert len(bot.store.read_sync(subscribed_feed_ids, GROUP)) == 2
    assert await _press(bot, str(texts.YES_BUTTON), question) == "Unsubscribed from all 2 feeds."
    await _press(bot, str(texts.UNDO_BUTTON), question, user=MEMBER)
    assert _answer(bot) == str(texts.ADMINS_ONLY)
    bot.api.set_admins(GROUP, [])  # demoted a moment after removing: the undo is refused too
    await _press(bot, str(texts.UNDO_BUTTON), question)
    assert _answer(bot) == str(texts.ADMINS_ONLY)
    assert bot.store.read_sync(subscribed_feed_ids, GROUP) == []
