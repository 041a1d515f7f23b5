"""A private instance (`allowed_users`, `allowed_chats`) through real PTB: strangers get one
sentence, and nothing is stored or fetched for them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, func, select

from bot import texts
from bot.store.chats import get_chat
from bot.store.schema import chats, settings, subscriptions
from tests.support.feed_server import FeedServer
from tests.support.tg_api import BotApiStandIn
from tests.support.tg_bot import Bot, buttons, running_bot
from tests.support.tg_updates import (
    GROUP_CHAT_ID,
    USER_ID,
    callback_query_update,
    inline_query_update,
    message_update,
    my_chat_member_update,
)

STRANGER = 3003
LISTED_GROUP = -4242


@pytest.fixture
async def private(
    api: BotApiStandIn, feed_server: FeedServer, tmp_path: Path
) -> AsyncIterator[Bot]:
    async with running_bot(
        api, feed_server, tmp_path, allowed_users=(USER_ID,), allowed_chats=(LISTED_GROUP,)
    ) as bot:
        yield bot


def _rows(conn: Connection) -> dict[str, Any]:
    count = func.count()
    return {
        "chats": sorted(conn.execute(select(chats.c.id)).scalars()),
        "subscriptions": conn.execute(select(count).select_from(subscriptions)).scalar(),
        "refs": conn.execute(  # button values kept for a pasted link
            select(count).select_from(settings).where(settings.c.key.like("subscribe-url:%"))
        ).scalar(),
    }


async def test_a_stranger_gets_one_sentence_and_leaves_nothing_behind(private: Bot) -> None:
    stranger = STRANGER  # a private chat's id is its user's id
    [reply] = await private.command("start", chat=stranger, user=stranger)
    assert reply["plain_text"] == str(texts.PRIVATE_INSTANCE)
    assert await private.command("subscribe", "World", chat=stranger, user=stranger) == []
    url = private.feeds.url_for("/feeds/rss20.xml")
    await private.feed(message_update(f"look {url}", chat_id=stranger, user_id=stranger))
    assert len(private.api.sent_messages(stranger)) == 1  # told once, then nothing
    assert private.feeds.count("/feeds/rss20.xml") == 0  # nothing fetched for them
    assert private.store.read_sync(_rows) == {"chats": [], "subscriptions": 0, "refs": 0}


async def test_an_allowed_user_and_the_groups_they_add_are_served(private: Bot) -> None:
    assert "Hello" in await private.text("start")
    assert "Subscribed to World" in await private.text("subscribe", "World")
    await private.feed(my_chat_member_update(GROUP_CHAT_ID, user_id=USER_ID))
    group = private.store.read_sync(get_chat, GROUP_CHAT_ID)
    assert group is not None
    assert group.added_by == USER_ID
    assert "Tech" in await private.text("subscribe", "Tech", chat=GROUP_CHAT_ID)
    assert "No stories yet" in await private.text("latest", chat=LISTED_GROUP, user=STRANGER)


async def test_a_group_a_stranger_adds_the_bot_to_is_left(private: Bot) -> None:
    await private.feed(my_chat_member_update(-777, user_id=STRANGER))
    assert [c.params["chat_id"] for c in private.api.calls_of("leaveChat")] == [-777]
    assert private.store.read_sync(get_chat, -777) is None
    assert await private.command("start", chat=-777, user=STRANGER) == []  # silent in groups


async def test_strangers_buttons_and_inline_queries_get_nothing(private: Bot) -> None:
    [settings] = await private.command("settings")
    await private.feed(
        callback_query_update(
            buttons(settings)["1"],
            chat_id=STRANGER,
            user_id=STRANGER,
            message_id=settings["message_id"],
        )
    )
    answer = private.api.calls_of("answerCallbackQuery")[-1].params
    assert answer["show_alert"] in (True, "true")
    update = inline_query_update("syria", user_id=STRANGER)
    private.api.inline_query_sent(update["inline_query"]["id"])
    await private.feed(update)
    assert private.api.inline_answer(update["inline_query"]["id"])["results"] == []  # type: ignore[index]
    assert STRANGER not in private.store.read_sync(_rows)["chats"]


async def test_without_lists_everyone_is_served(bot: Bot) -> None:
    assert "Hello" in await bot.text("start", chat=STRANGER, user=STRANGER)
