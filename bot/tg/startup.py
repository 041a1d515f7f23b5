"""Before the bot starts: wait for the Bot API while it is unreachable; refuse a bad token.

PTB's `Application.initialize` calls getMe once and raises when Telegram cannot be reached, so
a bot started during an outage (or before the network is up) would exit with a traceback.
`wait_for_bot_api` asks getMe first, retrying with backoff and one log line per try.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from telegram import Bot, User
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TelegramError

from bot.errors import BotError, ConfigError
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
