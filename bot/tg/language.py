"""The language of each update: every handler runs inside `use_language` of its chat.

A private chat follows its user's Telegram `language_code` until /language sets one; a group
or channel uses its /language choice or the operator's `[telegram] default_language`. Replies
go to the update's chat, so they are in that chat's language, also when it manages another.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.constants import ChatType

from bot.i18n import LANGUAGES, language_of, use_language
from bot.tg.context import CustomContext

log = logging.getLogger(__name__)

Handler = Callable[[Any, CustomContext], Coroutine[Any, Any, Any]]


def chat_language(chosen: str, user_tag: str | None, private: bool, default: str) -> str:
    """The language a chat is answered in: its choice, else (in private) its user's
    Telegram language when the bot speaks it, else the operator's default."""
    if chosen in LANGUAGES:
        return chosen
    return (language_of(user_tag) if private else None) or default


async def update_language(update: object, context: CustomContext) -> str:
    """The language of the update's chat; for one without a chat (an inline query), its
    user's Telegram language."""
    default = context.service.config.telegram.default_language
    if not isinstance(update, Update):
        return default
    if update.effective_chat is None:
        user = update.effective_user
        return chat_language("", user.language_code if user else None, True, default)
    chat, user = update.effective_chat, update.effective_user
    private = chat.type == ChatType.PRIVATE
    tag = user.language_code if user is not None else None
    try:
        settings = await context.service.settings(chat.id)
        seen = language_of(tag)
        if private and seen and settings.user_language != seen:  # for its pushes
            await context.service.note_user_language(chat.id, seen)
        chosen = settings.language
    except Exception:  # the store failing must not keep the handler from answering
        log.warning("could not read the language of chat %s", chat.id, exc_info=True)
        chosen = ""
    return chat_language(chosen, tag, private, default)


def localised(callback: Handler) -> Handler:
    """`callback`, run in the language of its update's chat."""

    @functools.wraps(callback)
    async def wrapper(update: Any, context: CustomContext) -> Any:
        with use_language(await update_language(update, context)):
            return await callback(update, context)

    return wrapper
