"""Before the bot starts: wait for the Bot API while it is unreachable; refuse a bad token;
register the command menus and the bot's profile texts.

PTB's `Application.initialize` calls getMe once and raises when Telegram cannot be reached, so
a bot started during an outage (or before the network is up) would exit with a traceback.
`wait_for_bot_api` asks getMe first, retrying with backoff and one log line per try.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from telegram import (
    Bot,
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    User,
)
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TelegramError

from bot import texts
from bot.errors import BotError, ConfigError
from bot.i18n import ENGLISH, LANGUAGES, menu_code, use_language
from bot.tg.sender import retry_after_seconds

log = logging.getLogger(__name__)

REFUSED = "Telegram refused to start the bot: {reason}"
BAD_TOKEN = (
    "Telegram refused the bot token: check telegram.token (or TELEGRAM_BOT_TOKEN) against "
    "the token @BotFather gave you"
)


async def wait_for_bot_api(
    bot: Bot,
    *,
    first_delay_s: float = 1.0,
    max_delay_s: float = 60.0,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> User:
    """Return the bot's user once getMe answers; raise `ConfigError` if the token is refused."""
    delay = first_delay_s
    while True:
        try:
            return await bot.get_me()
        except InvalidToken as exc:
            raise ConfigError(BAD_TOKEN) from exc
        except RetryAfter as exc:
            wait, reason = retry_after_seconds(exc), "flood control"
        except BadRequest as exc:  # a NetworkError subclass, but retrying will not help
            raise BotError(REFUSED.format(reason=exc.message)) from None
        except NetworkError as exc:  # refused, timed out, 5xx
            wait, reason = delay, exc.message
            delay = min(max_delay_s, delay * 2)
        except TelegramError as exc:  # 409 Conflict, 403, ...: nothing a retry will change
            raise BotError(REFUSED.format(reason=exc.message)) from None
        log.warning("Telegram Bot API not reachable (%s); trying again in %.0f s", reason, wait)
        await sleep(wait)


def menus(admins: tuple[int, ...]) -> list[tuple[BotCommandScope, list[BotCommand]]]:
    """Each command menu with its scope, from `texts.COMMANDS`: private chats, group members,
    group administrators, and each of the bot's administrators (the only ones with /stats).

    Telegram shows the narrowest scope that matches: a bot admin's own chat scope wins over
    all private chats, a group administrator's scope over the members'.
    """
    scopes: list[tuple[BotCommandScope, str]] = [
        (BotCommandScopeAllPrivateChats(), texts.PRIVATE),
        (BotCommandScopeAllGroupChats(), texts.GROUP),
        (BotCommandScopeAllChatAdministrators(), texts.GROUP_ADMIN),
        *((BotCommandScopeChat(user_id), texts.BOT_ADMIN) for user_id in admins),
    ]
    return [
        (scope, [BotCommand(c.name, str(c.description)) for c in texts.menu(audience)])
        for scope, audience in scopes
    ]


async def register_profile(bot: Bot, admins: tuple[int, ...], default: str = ENGLISH) -> None:
    """Set the command menus, the description a new user sees before Start, and the short
    one on the bot's profile: in the `default` language for everyone, and in each other
    language for the users whose Telegram speaks it (`language_code`).

    A failure is logged, not raised: the bot works without its menu, and a flood limit on
    these calls must not stop a restart. The default-scope list earlier versions set (with
    /stats in it) is deleted.
    """
    calls = []
    for language in (default, *(code for code in LANGUAGES if code != default)):
        code = None if language == default else menu_code(language)
        with use_language(language):
            calls += [
                *(
                    bot.set_my_commands(commands, scope=scope, language_code=code)
                    for scope, commands in menus(admins)
                ),
                bot.set_my_description(str(texts.BOT_DESCRIPTION), language_code=code),
                bot.set_my_short_description(str(texts.BOT_SHORT_DESCRIPTION), language_code=code),
            ]
    calls.append(bot.delete_my_commands())
    for call in calls:
        try:
            await call
        except TelegramError as exc:
            log.warning("could not set the bot's menu or description: %s", exc)
