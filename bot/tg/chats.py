"""Which chats the bot is in: every chat that talks to it, and the bot added or removed."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatMemberStatus

from bot.tg.replies import Context

log = logging.getLogger(__name__)


async def track_chat(update: Update, context: Context) -> None:
    """Register every chat that talks to the bot (once per title per run)."""
    chat = update.effective_chat
    if chat is None:
        return
    seen = context.bot_data.seen_chats
    title = chat.title or chat.full_name or ""
    if seen.get(chat.id) == title:
        return
    try:
        await context.service.register_chat(chat.id, chat.type, title, activate=False)
    except Exception:  # the command itself still runs and reports its own failure
        log.warning("could not register chat %s", chat.id, exc_info=True)
        return
    seen[chat.id] = title


async def my_chat_member_command(update: Update, context: Context) -> None:
    """The bot was added to, or removed from, a chat."""
    change = update.my_chat_member
    if change is None:
        return
    status = change.new_chat_member.status
    chat = change.chat
    if status in {ChatMemberStatus.LEFT, ChatMemberStatus.BANNED}:
        await context.service.deactivate_chat(chat.id)
    else:
        title = chat.title or chat.full_name or ""
        await context.service.register_chat(chat.id, chat.type, title, activate=True)
    context.bot_data.seen_chats.pop(chat.id, None)
