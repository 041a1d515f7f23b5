"""Every Telegram handler in its group, and the error handler.

Commands are in `bot.tg.commands`, buttons in `bot.tg.buttons`, chat membership in
`bot.tg.chats`; this module only says which update goes where.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    ChatMemberHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import texts
from bot.core.render import to_plain
from bot.tg.access import gate
from bot.tg.buttons import button_handlers
from bot.tg.chats import my_chat_member_command, track_chat
from bot.tg.commands import (
    COMMAND_CALLBACKS,
    channel_command,
    location_message,
    private_text,
    unknown_command,
)
from bot.tg.inline import inline_query
from bot.tg.language import localised
from bot.tg.opml import document_message
from bot.tg.replies import Context

log = logging.getLogger(__name__)


async def error_handler(update: object, context: Context) -> None:
    """Log the error with its traceback; tell the user one line."""
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.callback_query is not None:  # stop the button's spinner, whatever happened
        with contextlib.suppress(Exception):
            await update.callback_query.answer(to_plain(str(texts.ERROR)), show_alert=True)
        return
    try:
        await context.bot.send_message(update.effective_chat.id, str(texts.ERROR))
    except Exception:  # the chat may be gone; the error is already logged
        log.warning("could not tell chat %s about the error", update.effective_chat.id)


_PRIVATE_TEXT = (
    filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND
)


def build_handlers() -> dict[int, list[BaseHandler[Update, Any, Any]]]:
    """Every handler, by handler group: -2 turns away those a private instance does not
    serve, -1 registers chats, then the commands, buttons and the rest run."""
    commands: list[BaseHandler[Update, Any, Any]] = [
        CommandHandler(name, callback) for name, callback in COMMAND_CALLBACKS.items()
    ]
    others: list[BaseHandler[Update, Any, Any]] = [
        MessageHandler(filters.UpdateType.CHANNEL_POST & filters.COMMAND, channel_command),
        MessageHandler(filters.COMMAND, unknown_command),
        MessageHandler(filters.UpdateType.MESSAGE & filters.Document.ALL, document_message),
        MessageHandler(_PRIVATE_TEXT, private_text),
        MessageHandler(filters.ChatType.PRIVATE & filters.LOCATION, location_message),
        ChatMemberHandler(my_chat_member_command, ChatMemberHandler.MY_CHAT_MEMBER),
        InlineQueryHandler(inline_query),
    ]
    tracking: list[BaseHandler[Update, Any, Any]] = [MessageHandler(filters.ALL, track_chat)]
    access: list[BaseHandler[Update, Any, Any]] = [TypeHandler(Update, gate)]
    groups = {-2: access, -1: tracking, 0: commands + button_handlers() + others}
    for handler in (h for g in (-2, 0) for h in groups[g]):  # tracking sends nothing
        handler.callback = localised(handler.callback)
    return groups
