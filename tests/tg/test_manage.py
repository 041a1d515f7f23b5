"""Channels and groups managed from a private chat, through real PTB against the stand-in.

The stand-in answers getChatMember from what the test sets now (`set_admins`, `set_can_post`),
so a right taken away in the middle of a test is seen at the next command.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, select

from bot import texts
from bot.core.render import to_plain
from bot.store.chats import get_chat, list_topics, managed_chat, subscribed_feed_ids
from bot.store.deliveries import add_delivery
from bot.store.schema import deliveries
from tests.support.story_data import add_story
from tests.support.tg_bot import PRIVATE, Bot, buttons, catalogue_feed_id, deliver, fresh_story
from tests.support.tg_updates import (
    BOT_ID,
    USER_ID,
    callback_query_update,
    channel_post_update,
    my_chat_member_update,
)

CHANNEL = -1002000000042
OTHER_CHANNEL = -1002000000043  # the user is not an administrator there
TITLE = "Morning Brief"
OTHER_USER = 4004


def _add_channel(bot: Bot, chat_id: int = CHANNEL, title: str = TITLE) -> None:
    """The channel exists with the user and the bot as administrators (as Telegram knows)."""
    bot.api.set_chat(chat_id, "channel", title, username=title.replace(" ", "").lower())
    bot.api.set_admins(chat_id, [USER_ID, BOT_ID])


async def _bot_made_admin(
    bot: Bot, chat_id: int = CHANNEL, title: str = TITLE, old_status: str = "left"
) -> None:
    await bot.feed(
        my_chat_member_update(
            chat_id,
            new_status="administrator",
            old_status=old_status,
            chat_type="channel",
            title=title,
        )
    )


async def _managing(bot: Bot) -> None:
    """The channel added, then picked under /manage."""
    _add_channel(bot)
    await _bot_made_admin(bot)
    [menu] = await bot.command("manage")
    assert await bot.press(buttons(menu)[TITLE], menu) == []  # the menu is edited in place
    assert f"your commands here change {TITLE}" in bot.current(menu)["text"]


def _feed_ids(bot: Bot, chat_id: int) -> list[int]:
    return bot.store.read_sync(subscribed_feed_ids, chat_id)


async def test_a_channel_added_by_a_user_is_recorded_and_its_owner_told(bot: Bot) -> None:
    _add_channel(bot)
    await _bot_made_admin(bot)
    chat = bot.store.read_sync(get_chat, CHANNEL)
    assert chat is not None
    assert (chat.kind, chat.title, chat.active, chat.added_by) == ("channel", TITLE, True, USER_ID)
    [told] = bot.api.sent_messages(PRIVATE)
    assert TITLE in told["plain_text"]
    assert "/manage" in told["plain_text"]
    await _bot_made_admin(bot, old_status="administrator")  # rights changed again: told once
    assert len(bot.api.sent_messages(PRIVATE)) == 1


async def test_manage_lists_the_channel_and_commands_then_change_it(bot: Bot) -> None:
    await _managing(bot)
    reply = await bot.text("subscribe", "World")
    assert "Subscribed to World" in reply
    assert reply.endswith(f"Changed for: {TITLE}")
    assert len(_feed_ids(bot, CHANNEL)) == 1
    assert _feed_ids(bot, PRIVATE) == []
    assert "07:30" in await bot.text("digest", "daily 07:30")
    assert (await bot.text("timezone", "Europe/Berlin")).endswith(f"Changed for: {TITLE}")
    await bot.text("follow", "syria")
    channel = bot.store.read_sync(get_chat, CHANNEL)
    assert channel is not None
    assert (channel.digest_mode, channel.digest_times, channel.timezone) == (
        "daily",
        "07:30",
        "Europe/Berlin",
    )
    assert bot.store.read_sync(list_topics, CHANNEL) == ["syria"]
    assert "World" in await bot.text("feeds")  # what it shows is the channel's
    [settings] = await bot.command("settings")
    await bot.press(buttons(settings)["1"], settings)
    assert channel.summary_sentences == 3
    channel = bot.store.read_sync(get_chat, CHANNEL)
    assert channel is not None
    assert channel.summary_sentences == 1
    private = bot.store.read_sync(get_chat, PRIVATE)
    assert private is None or private.summary_sentences == 3
    # Switching back: the private chat is changed again.
    [menu] = await bot.command("manage")
    await bot.press(buttons(menu)[str(texts.MANAGE_THIS_CHAT)], menu)
    assert bot.store.read_sync(managed_chat, USER_ID) is None
    assert "Changed for" not in await bot.text("subscribe", "Tech")
    assert len(_feed_ids(bot, PRIVATE)) == 1


async def test_an_admin_no_longer_is_refused_at_once_and_nothing_changes(bot: Bot) -> None:
    await _managing(bot)
    bot.api.set_admins(CHANNEL, [BOT_ID])  # demoted a moment ago: no cache says otherwise
    reply = await bot.text("subscribe", "World")
    assert reply.startswith(f"You are not an administrator of {TITLE}")
    assert _feed_ids(bot, CHANNEL) == []
    assert _feed_ids(bot, PRIVATE) == []
    [menu] = await bot.command("manage")
    assert TITLE not in buttons(menu)  # not offered any more either


async def test_a_change_while_the_bot_may_not_post_is_refused(bot: Bot) -> None:
    await _managing(bot)
    bot.api.set_can_post(CHANNEL, BOT_ID, False)
    assert (await bot.text("digest", "off")).startswith(f"I cannot post in {TITLE}")
    channel = bot.store.read_sync(get_chat, CHANNEL)
    assert channel is not None
    assert channel.digest_mode == "instant"


@pytest.mark.parametrize(
    "data",
    [f"manage:{OTHER_CHANNEL}", "manage:-1", f"manage:{PRIVATE + 1}", "manage:99999999999999"],
)
async def test_a_forged_manage_pick_changes_nothing(bot: Bot, data: str) -> None:
    _add_channel(bot, OTHER_CHANNEL, "Not Yours")
    bot.api.set_admins(OTHER_CHANNEL, [OTHER_USER, BOT_ID])
    await bot.feed(
        my_chat_member_update(
            OTHER_CHANNEL,
            new_status="administrator",
            chat_type="channel",
            title="Not Yours",
            user_id=OTHER_USER,
        )
    )
    [menu] = await bot.command("manage")
    assert "Not Yours" not in buttons(menu)
    await bot.feed(callback_query_update(data, message_id=menu["message_id"], message_text="menu"))
    answer = bot.api.calls_of("answerCallbackQuery")[-1].params
    assert answer["show_alert"] in (True, "true")
    assert bot.store.read_sync(managed_chat, USER_ID) is None
    await bot.text("subscribe", "World")
    assert _feed_ids(bot, OTHER_CHANNEL) == []


async def test_a_public_channel_named_first_is_changed_directly(bot: Bot) -> None:
    _add_channel(bot)
    reply = await bot.text("subscribe", "@morningbrief World")
    assert reply.endswith(f"Changed for: {TITLE}")
    assert len(_feed_ids(bot, CHANNEL)) == 1
    assert "World" in await bot.text("feeds", "@morningbrief")
    assert "cannot find @nosuchchannel" in await bot.text("feeds", "@nosuchchannel")
    assert bot.store.read_sync(managed_chat, USER_ID) is None  # a shortcut, not a pick
    assert "Morning Brief" in await bot.text("manage", "@morningbrief")
    assert bot.store.read_sync(managed_chat, USER_ID) is not None


async def test_manage_outside_a_private_chat_is_refused(bot: Bot) -> None:
    _add_channel(bot)
    bot.api.set_admins(-4001, [USER_ID])
    assert await bot.text("manage", chat=-4001) == str(texts.MANAGE_PRIVATE_ONLY)


async def test_commands_posted_in_the_channel_work_as_in_a_group(bot: Bot) -> None:
    _add_channel(bot)
    await _bot_made_admin(bot)
    before = len(bot.api.sent_messages(CHANNEL))
    await bot.feed(channel_post_update("/subscribe World", chat_id=CHANNEL, title=TITLE))
    await bot.feed(channel_post_update("/digest daily 06:00", chat_id=CHANNEL, title=TITLE))
    await bot.feed(channel_post_update("/nonsense", chat_id=CHANNEL, title=TITLE))
    await bot.feed(channel_post_update("/stats", chat_id=CHANNEL, title=TITLE))
    await bot.feed(channel_post_update("/subscribe@other_bot Tech", chat_id=CHANNEL))
    replies = [m["plain_text"] for m in bot.api.sent_messages(CHANNEL)[before:]]
    assert len(replies) == 2, replies  # unknown, admin-only and others' commands stay quiet
    assert "Subscribed to World" in replies[0]
    assert "Changed for" not in replies[0]
    assert len(_feed_ids(bot, CHANNEL)) == 1
    channel = bot.store.read_sync(get_chat, CHANNEL)
    assert channel is not None
    assert channel.digest_times == "06:00"


def _pending(conn: Connection) -> list[str]:
    return list(conn.execute(select(deliveries.c.state).order_by(deliveries.c.id)).scalars())


async def test_removed_from_the_channel_cancels_its_deliveries_and_tells_the_owner_once(
    bot: Bot,
) -> None:
    await _managing(bot)
    await bot.text("subscribe", "World")
    now = datetime.now(UTC)

    def seed(conn: Connection) -> None:
        for n in range(3):
            story = add_story(conn, f"Story {n}", f"Text {n}.")
            add_delivery(conn, CHANNEL, story, now, "feed:1", now)

    bot.store.write_sync(seed)
    told_before = len(bot.api.sent_messages(PRIVATE))
    for status in ("left", "kicked"):  # removed, then banned: one notice
        await bot.feed(
            my_chat_member_update(
                CHANNEL, new_status=status, old_status="administrator", chat_type="channel"
            )
        )
    assert bot.store.read_sync(_pending) == ["cancelled"] * 3
    channel = bot.store.read_sync(get_chat, CHANNEL)
    assert channel is not None
    assert not channel.active
    told = [m["plain_text"] for m in bot.api.sent_messages(PRIVATE)[told_before:]]
    assert len(told) == 1, told
    assert "3 waiting for it were cancelled" in told[0]
    assert bot.store.read_sync(managed_chat, USER_ID) is None


async def test_a_channel_that_takes_the_right_to_post_is_treated_as_removed(bot: Bot) -> None:
    _add_channel(bot)
    await _bot_made_admin(bot)
    await bot.feed(
        my_chat_member_update(
            CHANNEL,
            new_status="administrator",
            old_status="administrator",
            chat_type="channel",
            can_post=False,
        )
    )
    channel = bot.store.read_sync(get_chat, CHANNEL)
    assert channel is not None
    assert not channel.active
    assert "may no longer post" in bot.api.sent_messages(PRIVATE)[-1]["plain_text"]


async def test_a_managed_channel_gets_its_pushes_and_its_digest_at_its_local_time(
    bot: Bot,
) -> None:
    await _managing(bot)
    await bot.text("subscribe", "World")
    world = catalogue_feed_id(bot, "World")
    fresh_story(bot, "Summit opens", world)
    pushed = await deliver(bot, CHANNEL)
    assert "Summit opens" in pushed[None][0]  # instant: pushed to the channel
    await bot.text("timezone", "Asia/Tokyo")
    await bot.text("digest", "daily 18:00")
    fresh_story(bot, "Markets close higher", world)
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).replace(hour=8, minute=30)
    assert await deliver(bot, CHANNEL, at=tomorrow) == {}  # 17:30 in Tokyo: not yet
    digest = await deliver(bot, CHANNEL, at=tomorrow.replace(hour=9, minute=0))  # 18:00
    [text] = digest[None]
    assert re.match(r"\w+day \d+ \w+ · 1 story\n", text)  # its day in Tokyo, one story
    assert "Markets close higher" in text
    assert bot.api.counts()["too_many_requests"] == 0


async def test_a_reader_pressing_a_channels_buttons_changes_nothing(bot: Bot) -> None:
    _add_channel(bot)
    await _bot_made_admin(bot)
    await bot.feed(channel_post_update("/settings", chat_id=CHANNEL, title=TITLE))
    settings = bot.api.sent_messages(CHANNEL)[-1]
    await bot.press(buttons(settings)["1"], settings, user=OTHER_USER)  # a reader
    answer = bot.api.calls_of("answerCallbackQuery")[-1].params
    assert answer["show_alert"] in (True, "true")
    channel = bot.store.read_sync(get_chat, CHANNEL)
    assert channel is not None
    assert channel.summary_sentences == 3
    await bot.press(buttons(settings)["1"], settings, user=USER_ID)  # an administrator
    channel = bot.store.read_sync(get_chat, CHANNEL)
    assert channel is not None
    assert channel.summary_sentences == 1


async def test_manage_with_a_word_that_is_no_chat_name_says_how(bot: Bot) -> None:
    assert await bot.text("manage", "morningbrief") == to_plain(str(texts.MANAGE_USAGE))
    assert bot.store.read_sync(managed_chat, USER_ID) is None


async def test_naming_a_chat_the_user_does_not_administer_stores_nothing(bot: Bot) -> None:
    _add_channel(bot, OTHER_CHANNEL, "Not Yours")
    bot.api.set_admins(OTHER_CHANNEL, [OTHER_USER, BOT_ID])
    reply = await bot.text("subscribe", "@notyours World")
    assert reply.startswith("You are not an administrator of Not Yours")
    assert bot.store.read_sync(get_chat, OTHER_CHANNEL) is None


async def test_an_old_button_of_a_chat_no_longer_managed_changes_nothing(bot: Bot) -> None:
    await _managing(bot)
    [channel_settings] = await bot.command("settings")  # built for the channel
    [menu] = await bot.command("manage")
    await bot.press(buttons(menu)[str(texts.MANAGE_THIS_CHAT)], menu)  # back to the private chat
    await bot.press(buttons(channel_settings)["1"], channel_settings)
    answer = bot.api.calls_of("answerCallbackQuery")[-1].params
    assert answer["text"] == to_plain(str(texts.BUTTON_OTHER_CHAT))[:200]
    for chat_id in (CHANNEL, PRIVATE):
        chat = bot.store.read_sync(get_chat, chat_id)
        assert chat is None or chat.summary_sentences == 3
    [own] = await bot.command("settings")  # the private chat's own buttons still work
    await bot.press(buttons(own)["1"], own)
    private = bot.store.read_sync(get_chat, PRIVATE)
    assert private is not None
    assert private.summary_sentences == 1


async def test_removing_all_of_a_managed_channel_asks_for_it_and_undo_is_its_own(
    bot: Bot,
) -> None:
    await _managing(bot)
    await bot.command("subscribe", "World")
    [question] = await bot.command("unsubscribe", "all")
    assert question["plain_text"].endswith(f"For: {TITLE}")  # nothing changed yet
    assert buttons(question)[str(texts.YES_BUTTON)] == f"yes:unsuball@{CHANNEL}"
    await bot.press(buttons(question)[str(texts.YES_BUTTON)], question)
    assert bot.current(question)["text"].endswith(f"Changed for: {TITLE}")
    assert _feed_ids(bot, CHANNEL) == []
    undo = buttons(bot.current(question))[str(texts.UNDO_BUTTON)]
    [menu] = await bot.command("manage")
    await bot.press(buttons(menu)[str(texts.MANAGE_THIS_CHAT)], menu)  # back to the private chat
    await bot.press(undo, question)
    answer = bot.api.calls_of("answerCallbackQuery")[-1].params
    assert answer["text"] == to_plain(str(texts.BUTTON_OTHER_CHAT))[:200]
    assert _feed_ids(bot, CHANNEL) == []
