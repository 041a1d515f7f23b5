"""Private instances: with `[telegram] allowed_users` or `allowed_chats` set, anyone else gets
one polite sentence and nothing else, before any other handler runs, so nothing is stored or
fetched for them.

A private chat is allowed for the users listed; a group or channel when it is listed, or when
an allowed user added the bot (the store keeps who did). The bot added to a group by anyone
else leaves it. Empty lists (the default) let everyone in.
"""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot import texts
from bot.config import TelegramConfig
from bot.tg.replies import Context

log = logging.getLogger(__name__)


def is_private_instance(config: TelegramConfig) -> bool:
    """True when the operator listed who may use the bot."""
    return bool(config.allowed_users or config.allowed_chats)


async def is_allowed(update: Update, context: Context, config: TelegramConfig) -> bool:
    """Whether this update comes from someone (or somewhere) the operator lets in."""
    chat, user = update.effective_chat, update.effective_user
    if chat is not None and chat.id in config.allowed_chats:
        return True
    if chat is None or chat.type == ChatType.PRIVATE:  # private chats and inline queries
        return user is not None and user.id in config.allowed_users
    added = update.my_chat_member
    if added is not None and added.new_chat_member.status not in _GONE:
        return added.from_user.id in config.allowed_users  # who adds the bot decides
    known = await context.service.store_chat(chat.id)
    return known is not None and known.added_by in config.allowed_users


_GONE = frozenset({ChatMemberStatus.LEFT, ChatMemberStatus.BANNED})


async def gate(update: Update, context: Context) -> None:
    """Stop every other handler for an update from outside a private instance's lists."""
    config = context.service.config.telegram
    if not is_private_instance(config) or await is_allowed(update, context, config):
        return
    await _refuse(update, context)
    raise ApplicationHandlerStop


async def _refuse(update: Update, context: Context) -> None:
    """One polite sentence: a button alert, an empty inline answer, a reply in private, or
    (in a group the bot was added to by someone else) leave it."""
    chat, user = update.effective_chat, update.effective_user
    with contextlib.suppress(TelegramError):
        if update.inline_query is not None:
            await update.inline_query.answer([], cache_time=300, is_personal=True)
        elif update.callback_query is not None:
            await update.callback_query.answer(str(texts.PRIVATE_INSTANCE)[:200], show_alert=True)
        elif update.my_chat_member is not None and chat is not None:
            if update.my_chat_member.new_chat_member.status not in _GONE:
                log.info("left chat %s: added by a user outside allowed_users", chat.id)
                await context.bot.leave_chat(chat.id)
        elif chat is not None and chat.type == ChatType.PRIVATE and user is not None:
            told = context.bot_data.refused_users
            if user.id not in told:
                told.put(user.id, None)
                await context.bot.send_message(chat.id, str(texts.PRIVATE_INSTANCE))
