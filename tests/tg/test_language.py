"""A chat's language through real PTB: from the user's Telegram language, changed by
/language and kept after a restart, refused to a group's members, menus and profile in every
language, and /help, /settings and a digest in every shipped language through the stand-in's
HTML validator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import texts
from bot.core.render import to_plain
from bot.i18n import ENGLISH, LANGUAGES, menu_code, use_language
from bot.store.chats import get_chat, update_settings
from tests.support.feed_server import FeedServer
from tests.support.tg_api import BotApiStandIn
from tests.support.tg_bot import Bot, buttons, catalogue_feed_id, deliver, fresh_story, running_bot
from tests.support.tg_updates import PRIVATE_CHAT_ID as PRIVATE
from tests.support.tg_updates import SUPERGROUP_CHAT_ID, USER_ID, inline_query_update, make_user

MEMBER = 2002  # a group member who is not an administrator
SUMMARY = ("Envoys met in Geneva on Tuesday.", "They agreed to meet again.", "Talks go on.")


def _in(language: str, text: object) -> str:
    with use_language(language):
        return to_plain(str(text))


def _german() -> dict[str, object]:
    return make_user(USER_ID, language_code="de")


async def test_a_private_chat_follows_its_users_telegram_language(bot: Bot) -> None:
    [help_de] = await bot.command("help", from_user=_german())
    assert help_de["plain_text"].startswith(_in("de", texts.COMMANDS_HEADER))
    assert _in("de", texts.COMMANDS_HEADER) != "Commands"
    [help_en] = await bot.command("help", from_user=make_user(USER_ID, language_code="nl"))
    assert help_en["plain_text"].startswith("Commands")  # Dutch is not shipped: the default


async def test_language_buttons_change_the_chat_and_it_is_kept_after_a_restart(
    api: BotApiStandIn, feed_server: FeedServer, tmp_path: Path
) -> None:
    async with running_bot(api, feed_server, tmp_path) as bot:
        [menu] = await bot.command("language", from_user=_german())
        assert set(LANGUAGES.values()) <= {label.removeprefix("✓ ") for label in buttons(menu)}
        assert f"✓ {LANGUAGES['de']}" in buttons(menu)
        await bot.press(buttons(menu)[LANGUAGES["ru"]], menu)
        redrawn = to_plain(bot.current(menu)["text"])
        assert redrawn.splitlines()[0] == _in("ru", texts.SETTINGS).split("\n")[0]
        chat = bot.store.read_sync(get_chat, PRIVATE)
        assert chat is not None
        assert chat.language == "ru"
        # The choice beats the user's Telegram language.
        assert await bot.text("frobnicate", from_user=_german()) == _in(
            "ru", texts.UNKNOWN_COMMAND
        )
    async with running_bot(api, feed_server, tmp_path) as bot:
        assert await bot.text("frobnicate", from_user=_german()) == _in(
            "ru", texts.UNKNOWN_COMMAND
        )


async def test_a_groups_language_is_its_admins_choice_else_the_operators_default(
    api: BotApiStandIn, feed_server: FeedServer, tmp_path: Path
) -> None:
    async with running_bot(api, feed_server, tmp_path, default_language="es") as bot:
        group = SUPERGROUP_CHAT_ID
        [menu] = await bot.command("language", chat=group, from_user=_german())
        heading = _in("es", texts.SETTINGS_LANGUAGES).split("\n")[0]
        assert menu["plain_text"].startswith(heading)  # the default, not the user's German
        await bot.press(buttons(menu)[LANGUAGES["fr"]], menu, user=MEMBER)
        answer = bot.api.calls_of("answerCallbackQuery")[-1].params.get("text")
        assert answer == _in("es", texts.ADMINS_ONLY)
        chat = bot.store.read_sync(get_chat, group)
        assert chat is not None
        assert chat.language == ""
        await bot.press(buttons(menu)[LANGUAGES["fr"]], menu)  # an administrator
        [again] = await bot.command("language", chat=group)
        assert again["plain_text"].startswith(_in("fr", texts.SETTINGS_LANGUAGES).split("\n")[0])


async def test_menus_and_profile_are_registered_in_every_language(bot: Bot) -> None:
    private = {"type": "all_private_chats"}
    english = bot.api.commands(private)
    assert [c["description"] for c in english][:2] == [
        str(texts.COMMANDS[0].description),
        str(texts.COMMANDS[1].description),
    ]
    for language in LANGUAGES:
        if language == ENGLISH:
            continue
        code = menu_code(language)
        menu = bot.api.commands(private, code)
        assert [c["command"] for c in menu] == [c["command"] for c in english], language
        with use_language(language):
            wanted = [str(c.description) for c in texts.menu(texts.PRIVATE)]
            assert [c["description"] for c in menu] == wanted
            assert bot.api.description(code) == str(texts.BOT_DESCRIPTION)
            assert bot.api.description(code, short=True) == str(texts.BOT_SHORT_DESCRIPTION)
        assert bot.api.description(code) != bot.api.description()


async def _morning_digest(bot: Bot) -> tuple[str, datetime]:
    """Three World stories, then the 08:00 digest of the private chat; its text and time."""
    world = catalogue_feed_id(bot, "World")
    for n in range(3):
        fresh_story(bot, f"World story {n} about the talks in Geneva", world, SUMMARY)
    morning = (datetime.now(UTC) + timedelta(days=1)).replace(hour=8, minute=0, second=0)
    await deliver(bot, PRIVATE, at=morning - timedelta(minutes=1))
    [digest] = (await deliver(bot, PRIVATE, at=morning))[None]
    return digest, morning


@pytest.mark.parametrize("language", list(LANGUAGES))
async def test_help_settings_and_a_digest_render_in_every_language(
    bot: Bot, language: str
) -> None:
    """The stand-in answers 400 to bad HTML or a message over 4096 characters, so each of
    these arriving means it was valid Telegram HTML."""
    await bot.command("subscribe", "World")
    await bot.command("digest", "daily 08:00")
    bot.store.write_sync(update_settings, PRIVATE, datetime.now(UTC), {"language": language})
    [help_message] = await bot.command("help")
    assert help_message["plain_text"].startswith(_in(language, texts.COMMANDS_HEADER))
    [settings] = await bot.command("settings")
    assert settings["plain_text"].startswith(_in(language, texts.SETTINGS).split("\n")[0])
    assert _in(language, texts.LANGUAGE_BUTTON).format(language=LANGUAGES[language]) in buttons(
        settings
    )
    digest, morning = await _morning_digest(bot)
    with use_language(language):
        count = texts.stories_count(3)
    assert count in digest.splitlines()[0]
    assert "World story 0 about the talks in Geneva" in digest  # stories are not translated
    if language != ENGLISH:
        assert f"{morning:%B}" not in digest.splitlines()[0]  # the month in the language


async def test_a_private_chats_pushes_follow_its_users_telegram_language(bot: Bot) -> None:
    await bot.command("subscribe", "World", from_user=_german())
    await bot.command("digest", "daily 08:00", from_user=_german())
    digest, _ = await _morning_digest(bot)
    with use_language("de"):
        assert texts.stories_count(3) in digest.splitlines()[0]
    assert texts.stories_count(3) not in digest.splitlines()[0]


async def test_an_inline_query_is_answered_in_its_users_telegram_language(bot: Bot) -> None:
    update = inline_query_update("OR OR")  # unusable: answered with a hint button
    update["inline_query"]["from"]["language_code"] = "uk"
    query_id = update["inline_query"]["id"]
    bot.api.inline_query_sent(query_id)
    await bot.feed(update)
    answer = bot.api.inline_answer(query_id)
    assert answer is not None
    assert answer["button"]["text"] == _in("uk", texts.INLINE_HOW)
