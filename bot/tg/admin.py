"""Who may change a chat's subscriptions and settings: anyone in private, admins in groups.

Group membership is checked with getChatMember and cached for a minute per (chat, user), so a
burst of button presses costs one call; the cache drops expired entries as it grows.
"""

from __future__ import annotations

import functools

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType

from bot import texts
from bot.errors import UserError
from bot.tg.replies import Callback, Context


async def may_change(update: Update, context: Context) -> bool:
    """True in private chats, and for group administrators (anonymous ones included)."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or chat.type == ChatType.PRIVATE:
        return True
    message = update.effective_message
    if message is not None and message.sender_chat is not None:
        return message.sender_chat.id == chat.id  # an anonymous admin posts as the group
    if user is None:
        return False
    cache = context.bot_data.admin_cache
    verdict = cache.get(chat.id, user.id)
    if verdict is None:
        member = await context.bot.get_chat_member(chat.id, user.id)
        verdict = member.status in {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}
        cache.put(chat.id, user.id, verdict)
    return verdict


def admin_only(func: Callback) -> Callback:
    """Refuse the handler to non-administrators in groups."""

    @functools.wraps(func)
    async def wrapper(update: Update, context: Context) -> None:
        if not await may_change(update, context):
            raise UserError(texts.ADMINS_ONLY)
        await func(update, context)

    return wrapper
