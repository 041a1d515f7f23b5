"""Which chats the bot is in: every chat that talks to it, and the bot added or removed.

When someone makes the bot an administrator of a channel (or adds it to a group), the chat is
recorded with who did it, and that person is told in private that it can be managed from
there; a group also gets one short greeting saying who may change what. When the bot is
removed, or a channel takes its right to post, the chat is marked inactive, its pending
deliveries are cancelled (counted and logged), and that person is told once.
"""

from __future__ import annotations

import logging

from telegram import ChatMemberUpdated, Update
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import TelegramError

from bot import texts
from bot.core import render
from bot.tg.manage import bot_may_post, tell
from bot.tg.replies import Context

log = logging.getLogger(__name__)

_GONE = frozenset({ChatMemberStatus.LEFT, ChatMemberStatus.BANNED})
_GROUPS = frozenset({ChatType.GROUP, ChatType.SUPERGROUP})


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
    seen.put(chat.id, title)


async def my_chat_member_command(update: Update, context: Context) -> None:
    """The bot was added to, promoted or demoted in, or removed from a chat."""
    change = update.my_chat_member
    if change is None:
        return
    chat = change.chat
    context.bot_data.seen_chats.pop(chat.id)
    new = change.new_chat_member
    if new.status in _GONE or not bot_may_post(new, chat.type):
        await _removed(context, change)
        return
    title = chat.title or chat.full_name or ""
    private = chat.type == ChatType.PRIVATE
    adder = None if private else change.from_user.id
    await context.service.register_chat(chat.id, chat.type, title, activate=True, added_by=adder)
    old = change.old_chat_member
    newly = old.status in _GONE or not bot_may_post(old, chat.type)
    if adder is not None and newly and new.status == ChatMemberStatus.ADMINISTRATOR:
        await tell(context, adder, texts.MANAGE_ADDED.format(title=render.escape(title)))
    if old.status in _GONE and chat.type in _GROUPS:
        await _greet(context, chat.id)


async def _greet(context: Context, chat_id: int) -> None:
    """Say once, in a group the bot was just added to, who may change what. Only an
    addition greets (a promotion or a lifted restriction does not), and never a channel:
    its readers get nothing posted unasked."""
    try:
        await context.bot.send_message(
            chat_id, str(texts.GROUP_GREETING), parse_mode=ParseMode.HTML
        )
    except TelegramError as exc:  # the bot may not post here after all: nothing to greet
        log.info("could not greet group %s: %s", chat_id, exc)


async def _removed(context: Context, change: ChatMemberUpdated) -> None:
    chat = change.chat
    reason = f"the bot is {change.new_chat_member.status} in this chat"
    removed = await context.service.remove_chat(chat.id, reason)
    notice = removed.owner_notice(chat.title or "")
    if notice is not None:
        await tell(context, removed.added_by, notice)
