"""Which chat a command acts on, and who may change it.

A command acts on the chat it was sent in, or, in a private chat, on the group or channel its
sender picked with /manage (or named first: `/subscribe @channel URL`). For a managed chat both
the user's and the bot's rights are asked of Telegram (`getChatMember`) at the moment of every
command or button press, never read from a cache: the user must be an administrator, the bot
must be able to post there. In a group the sender must be an administrator to change
anything; in a channel every post is an administrator's (posts have no sender).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import replace

from telegram import ChatMember, ChatMemberAdministrator, ChatMemberRestricted, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, Forbidden, TelegramError

from bot import texts
from bot.core import render
from bot.core.models import ChatSettings, ChatTarget
from bot.errors import UserError
from bot.tg import callback_data
from bot.tg.replies import Callback, Context, update_chat_id, update_user_id

log = logging.getLogger(__name__)

ADMIN_STATUSES = frozenset({ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER})


def bot_may_post(member: ChatMember, chat_type: str) -> bool:
    """True when the bot's membership lets it post in a chat of this type."""
    if chat_type == ChatType.CHANNEL:
        if member.status == ChatMemberStatus.OWNER:
            return True
        return isinstance(member, ChatMemberAdministrator) and bool(member.can_post_messages)
    if isinstance(member, ChatMemberRestricted):
        return bool(member.can_send_messages)
    return member.status in {*ADMIN_STATUSES, ChatMemberStatus.MEMBER}


async def rights_problem(context: Context, chat_id: int, title: str, user_id: int) -> str | None:
    """None when `user_id` administers the chat and the bot may post there; else the reply.

    Asked of Telegram now: an administrator demoted a minute ago is refused at once.
    """
    name = render.escape(title or str(chat_id))
    try:
        chat = await context.bot.get_chat(chat_id)
        member = await context.bot.get_chat_member(chat_id, user_id)
        mine = await context.bot.get_chat_member(chat_id, context.bot.id)
    except (BadRequest, Forbidden):
        return texts.MANAGE_BOT_CANNOT_POST.format(title=name)
    if member.status not in ADMIN_STATUSES:
        return texts.MANAGE_NOT_ADMIN.format(title=name)
    if not bot_may_post(mine, chat.type):
        return texts.MANAGE_BOT_CANNOT_POST.format(title=name)
    return None


async def resolve_target(
    update: Update, context: Context, args: list[str]
) -> tuple[ChatTarget, list[str]]:
    """The chat this command acts on, and the arguments left once a leading @chat is read.

    A `UserError` when a managed chat may not be changed by this user any more.
    """
    chat = update.effective_chat
    assert chat is not None
    here = ChatTarget(chat.id, chat.title or chat.full_name or "")
    user_id = update_user_id(update)
    if chat.type != ChatType.PRIVATE or user_id is None:
        return here, args
    if args and args[0].startswith("@") and len(args[0]) > 1:
        target = await _named_chat(context, args[0])
        args = args[1:]
    else:
        managed = await context.service.managed_chat(user_id)
        if managed is None:
            return here, args
        target = ChatTarget(managed.chat_id, managed.title, managed=True)
    problem = await rights_problem(context, target.chat_id, target.title, user_id)
    if problem is not None:
        raise UserError(problem)
    if target.kind:  # named now, maybe never seen: recorded only once the rights are known
        await context.service.register_chat(
            target.chat_id, target.kind, target.title, activate=True
        )
    return target, args


async def _named_chat(context: Context, name: str) -> ChatTarget:
    """The group or channel a public @name stands for."""
    try:
        chat = await context.bot.get_chat(name[:65])
    except TelegramError:
        raise UserError(texts.MANAGE_UNKNOWN_CHAT.format(name=render.escape(name[:65]))) from None
    if chat.type == ChatType.PRIVATE:
        raise UserError(texts.MANAGE_UNKNOWN_CHAT.format(name=render.escape(name[:65])))
    return ChatTarget(chat.id, chat.title or "", managed=True, kind=chat.type)


async def may_change(update: Update, context: Context) -> bool:
    """True in private chats, for a channel's own posts, and for administrators elsewhere.

    Asked of Telegram at the moment of the change. A button press is always checked against
    the person who pressed it: in a channel every reader sees the bot's buttons.
    """
    chat, user = update.effective_chat, update.effective_user
    if chat is None or chat.type == ChatType.PRIVATE:
        return True
    if update.callback_query is None:
        message = update.effective_message
        if chat.type == ChatType.CHANNEL and message is not None and user is None:
            return True  # a channel post has no sender: only administrators can post
        if message is not None and message.sender_chat is not None:
            return message.sender_chat.id == chat.id  # an anonymous admin posts as the group
    if user is None:
        return False
    member = await context.bot.get_chat_member(chat.id, user.id)
    return member.status in ADMIN_STATUSES


def acts_on_chat(*, change: bool) -> Callable[[Callback], Callback]:
    """Resolve the chat the handler acts on into `context.target` (and `context.args`).

    With `change`, group members who are not administrators are refused.
    """

    def decorate(func: Callback) -> Callback:
        @functools.wraps(func)
        async def wrapper(update: Update, context: Context) -> None:
            target, args = await resolve_target(update, context, list(context.args or []))
            query = update.callback_query
            made_for = callback_data.split_chat(query.data or "")[1] if query else None
            if made_for is not None and made_for != target.chat_id:
                raise UserError(texts.BUTTON_OTHER_CHAT)  # /manage switched chats since
            if change and not target.managed and not await may_change(update, context):
                raise UserError(texts.ADMINS_ONLY)
            context.target, context.args = replace(target, change=change), args
            await func(update, context)

        return wrapper

    return decorate


def target_id(update: Update, context: Context) -> int:
    """The chat the handler acts on (see `acts_on_chat`)."""
    return context.target.chat_id if context.target is not None else update_chat_id(update)


def target_thread(update: Update, context: Context) -> int | None:
    """The forum topic the command (or the button's message) is in, where what it makes
    sends its stories; None in General, in other chats, and for a chat managed from here."""
    if context.target is not None and context.target.managed:
        return None
    message = update.effective_message
    if message is None or not message.is_topic_message:
        return None
    return message.message_thread_id


async def manageable(context: Context, user_id: int) -> list[ChatSettings]:
    """The candidate chats where, asked now, the user is an administrator and the bot posts."""
    found = []
    for chat in await context.service.manage_candidates(user_id):
        if await rights_problem(context, chat.chat_id, chat.title, user_id) is None:
            found.append(chat)
    return found


async def tell(context: Context, user_id: int | None, text: str) -> bool:
    """Tell a user in private; False when they never started the bot or blocked it."""
    if user_id is None:
        return False
    try:
        await context.bot.send_message(user_id, text, parse_mode="HTML")
    except (BadRequest, Forbidden) as exc:
        log.info("could not tell user %s: %s", user_id, exc)
        return False
    return True
