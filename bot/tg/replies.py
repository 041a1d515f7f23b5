"""Telegram replies: how the handlers in `bot.tg.handlers` send, edit and report errors.

Replies are Telegram HTML, sent to the chat (and forum topic) of the update; a keyboard goes
under the last message. `replying` turns a `UserError` into a reply or a button alert.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import replace
from typing import Any

from telegram import InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot import texts
from bot.core.render import MESSAGE_LIMIT, escape, to_plain, utf16_length
from bot.errors import UserError
from bot.tg.context import CustomContext

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

Context = CustomContext
Callback = Callable[[Update, Context], Coroutine[Any, Any, None]]


def update_chat_id(update: Update) -> int:
    """Return the id of the update's chat (every handled update has one)."""
    assert update.effective_chat is not None
    return update.effective_chat.id


def update_user_id(update: Update) -> int | None:
    """Who sent the update (None for a channel post or an anonymous admin)."""
    user = update.effective_user
    return user.id if user is not None else None


async def send(
    update: Update,
    context: Context,
    messages: Sequence[str],
    markup: InlineKeyboardMarkup | None = None,
    previews: LinkPreviewOptions = NO_PREVIEW,
) -> None:
    """Send messages to the update's chat (and forum topic), the keyboard under the last one."""
    message = update.effective_message
    thread = message.message_thread_id if message and message.is_topic_message else None
    for i, text in enumerate(noted(context, messages)):
        await context.bot.send_message(
            update_chat_id(update),
            text,
            parse_mode=ParseMode.HTML,
            link_preview_options=previews,
            reply_markup=markup if i == len(messages) - 1 else None,
            message_thread_id=thread,
        )


async def reply(update: Update, context: Context, text: str, **kw: Any) -> None:
    """Send one message to the update's chat (options as for `send`)."""
    await send(update, context, [text], **kw)


async def edit(
    update: Update,
    context: Context,
    messages: list[str],
    markup: InlineKeyboardMarkup | None,
    previews: LinkPreviewOptions = NO_PREVIEW,
) -> None:
    """Replace the button's message with the first message; send any others after it."""
    query = update.callback_query
    assert query is not None
    messages = noted(context, messages)
    last = len(messages) == 1
    try:
        await query.edit_message_text(
            messages[0],
            parse_mode=ParseMode.HTML,
            link_preview_options=previews,
            reply_markup=markup if last else None,
        )
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise
    if not last:
        await send(update, context, messages[1:], markup, previews)


def noted(context: Context, messages: Sequence[str]) -> list[str]:
    """The messages, the last one saying which chat they were for when it is managed from a
    private chat ("Changed for: Morning Brief"); a note that does not fit goes on its own."""
    target = context.target
    if target is None or not target.managed or not messages:
        return list(messages)
    form = texts.CHANGED_FOR if target.change else texts.SHOWN_FOR
    note = form.format(title=escape(target.title or str(target.chat_id)))
    last = messages[-1] + note
    if utf16_length(to_plain(last)) > MESSAGE_LIMIT or len(last) > 2 * MESSAGE_LIMIT:
        return [*messages, note.strip()]
    return [*messages[:-1], last]


def replying(func: Callback) -> Callback:
    """Turn a UserError raised by the handler into a reply (or a button alert)."""

    @functools.wraps(func)
    async def wrapper(update: Update, context: Context) -> None:
        try:
            await func(update, context)
        except UserError as exc:
            if context.target is not None:  # nothing was changed: say only whom it was for
                context.target = replace(context.target, change=False)
            if update.callback_query is not None:
                alert = to_plain(str(exc))  # Telegram takes at most 200 characters here
                alert = alert if len(alert) <= 200 else alert[:199] + "…"
                await update.callback_query.answer(alert, show_alert=True)
            else:
                await reply(update, context, str(exc))

    return wrapper
