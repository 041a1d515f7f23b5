"""Telegram inline-button handlers: paging, Follow, Subscribe, Remove and the settings.

Every button's data is built, matched and read back by `bot.tg.callback_data`; a button no
handler knows (an older version's, or forged) gets one sentence.
"""

from __future__ import annotations

from typing import Any

from telegram import CallbackQuery, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot import texts
from bot.core import render
from bot.core.render import to_plain
from bot.errors import UserError
from bot.tg import callback_data
from bot.tg.admin import admin_only
from bot.tg.replies import Context, edit, reply, replying, update_chat_id, update_user_id
from bot.tg.views import (
    URL_REF,
    feeds_view,
    latest_view,
    link_previews,
    query_from_ref,
    settings_view,
    topic_view,
)


def _callback(update: Update) -> tuple[CallbackQuery, str]:
    query = update.callback_query
    if query is None or query.data is None:
        raise UserError(texts.BUTTON_EXPIRED)
    return query, query.data


@replying
async def stale_button(update: Update, context: Context) -> None:
    """Any button no other handler knows: from an older version, or forged."""
    raise UserError(texts.BUTTON_EXPIRED)


@replying
async def latest_button(update: Update, context: Context) -> None:
    """Prev/Next under /latest: `latest:<count>:<page>`."""
    query, data = _callback(update)
    count, page = callback_data.read_latest(data)
    messages, markup, settings = await latest_view(
        context.service, update_chat_id(update), count, page
    )
    await query.answer()
    await edit(update, context, messages, markup, link_previews(settings))


@replying
async def topic_button(update: Update, context: Context) -> None:
    """Prev/Next under /topic: `topic:<page>:<query ref>`."""
    query, data = _callback(update)
    number, ref = callback_data.read_topic(data)
    query_text = await query_from_ref(context.service, ref)
    messages, markup, settings = await topic_view(
        context.service, update_chat_id(update), query_text, number
    )
    await query.answer()
    await edit(update, context, messages, markup, link_previews(settings))


@replying
@admin_only
async def follow_button(update: Update, context: Context) -> None:
    """Follow under /topic: `follow:<query ref>`."""
    query, data = _callback(update)
    query_text = await query_from_ref(context.service, callback_data.read_follow(data))
    followed = await context.service.follow(update_chat_id(update), query_text)
    await query.answer(to_plain(texts.FOLLOWED.format(query=followed))[:200])
    await reply(update, context, texts.FOLLOWED.format(query=render.escape(followed)))


@replying
@admin_only
async def subscribe_button(update: Update, context: Context) -> None:
    """Subscribe under a link sent as plain text: `sub:<key>`."""
    query, data = _callback(update)
    url = await context.service.button_value(URL_REF, callback_data.read_subscribe(data))
    title = await context.service.subscribe(update_chat_id(update), url, update_user_id(update))
    await query.answer()
    await reply(update, context, texts.SUBSCRIBED.format(title=render.escape(title)))


@replying
@admin_only
async def unsubscribe_button(update: Update, context: Context) -> None:
    """Remove under /feeds: `unsub:<feed id>`."""
    query, data = _callback(update)
    service = context.service
    await service.unsubscribe_id(update_chat_id(update), callback_data.read_unsubscribe(data))
    await query.answer(texts.DONE)
    messages, markup = await feeds_view(service, update_chat_id(update))
    await edit(update, context, messages, markup if markup.inline_keyboard else None)


@replying
@admin_only
async def settings_button(update: Update, context: Context) -> None:
    """Buttons under /settings: `set:sentences:<n>`, `set:previews:on|off`, `set:digest:<m>`."""
    query, data = _callback(update)
    name, value = callback_data.read_setting(data)
    service, chat_id = context.service, update_chat_id(update)
    if name == "sentences" and isinstance(value, int) and not isinstance(value, bool):
        settings = await service.set_sentences(chat_id, value)
    elif name == "previews" and isinstance(value, bool):
        settings = await service.set_link_previews(chat_id, value)
    else:
        settings = await service.set_digest_mode(chat_id, str(value))
    await query.answer(texts.DONE)
    text, markup = settings_view(settings)
    await edit(update, context, [text], markup)


def button_handlers() -> list[BaseHandler[Update, Any, Any]]:
    """A handler per kind of button, and last one for whatever the others do not know."""
    return [
        CallbackQueryHandler(latest_button, pattern=callback_data.LATEST),
        CallbackQueryHandler(topic_button, pattern=callback_data.TOPIC),
        CallbackQueryHandler(follow_button, pattern=callback_data.FOLLOW),
        CallbackQueryHandler(subscribe_button, pattern=callback_data.SUBSCRIBE),
        CallbackQueryHandler(unsubscribe_button, pattern=callback_data.UNSUBSCRIBE),
        CallbackQueryHandler(settings_button, pattern=callback_data.SETTING),
        CallbackQueryHandler(stale_button),
    ]
