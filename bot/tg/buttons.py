"""Telegram inline-button handlers: paging, Follow, Subscribe, Remove (asked first, then
undoable for a minute) and the settings.

Every button's data is built, matched and read back by `bot.tg.callback_data`; a button no
handler knows (an older version's, or forged) gets one sentence.
"""

from __future__ import annotations

from typing import Any

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot import texts
from bot.core import render
from bot.core.render import to_plain
from bot.errors import UserError
from bot.i18n import LANGUAGES, use_language
from bot.tg import callback_data
from bot.tg.manage import acts_on_chat, rights_problem, target_id, target_thread
from bot.tg.replies import Context, edit, reply, replying, update_user_id
from bot.tg.sender import digest_buttons
from bot.tg.settings_view import ZONE_CHOICES, settings_view
from bot.tg.views import (
    URL_REF,
    confirm_keyboard,
    feeds_view,
    filter_view,
    latest_view,
    link_previews,
    query_from_ref,
    subscribed_defaults_text,
    topic_view,
    undo_row,
)


def _callback(update: Update) -> tuple[CallbackQuery, str]:
    """The pressed button and its data (without the `@<chat id>` `acts_on_chat` checked)."""
    query = update.callback_query
    if query is None or query.data is None:
        raise UserError(texts.BUTTON_EXPIRED)
    return query, callback_data.split_chat(query.data)[0]


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
        context.service, target_id(update, context), count, page
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
        context.service, target_id(update, context), query_text, number
    )
    await query.answer()
    await edit(update, context, messages, markup, link_previews(settings))


@replying
@acts_on_chat(change=True)
async def follow_button(update: Update, context: Context) -> None:
    """Follow under /topic: `follow:<query ref>`."""
    query, data = _callback(update)
    query_text = await query_from_ref(context.service, callback_data.read_follow(data))
    followed = await context.service.follow(
        target_id(update, context), query_text, target_thread(update, context)
    )
    await query.answer(to_plain(texts.FOLLOWED.format(query=followed))[:200])
    await reply(update, context, texts.FOLLOWED.format(query=render.escape(followed)))


@replying
@acts_on_chat(change=True)
async def subscribe_button(update: Update, context: Context) -> None:
    """Subscribe under a link sent as plain text: `sub:<key>`."""
    query, data = _callback(update)
    url = await context.service.button_value(URL_REF, callback_data.read_subscribe(data))
    chat_id, user_id = target_id(update, context), update_user_id(update)
    title = await context.service.subscribe(chat_id, url, user_id)
    await query.answer()
    await reply(update, context, texts.SUBSCRIBED.format(title=render.escape(title)))


@replying
@acts_on_chat(change=True)
async def defaults_button(update: Update, context: Context) -> None:
    """Subscribe to the suggested feeds, under /start: `subdef@<chat id>`."""
    query, _ = _callback(update)
    names = await context.service.subscribe_defaults(
        target_id(update, context), target_thread(update, context)
    )
    await query.answer(str(texts.DONE))
    await reply(update, context, subscribed_defaults_text(names))


@replying
@acts_on_chat(change=True)
async def unsubscribe_button(update: Update, context: Context) -> None:
    """Remove under /feeds: `unsub:<feed id>`; asks first, editing the list into the question."""
    query, data = _callback(update)
    feed_id, chat_id = callback_data.read_unsubscribe(data), target_id(update, context)
    feeds = await context.service.list_feeds(chat_id)
    feed = next((f for f in feeds if f.id == feed_id), None)
    if feed is None:
        raise UserError(texts.NOTHING_TO_REMOVE)
    await query.answer()
    question = texts.CONFIRM_REMOVE_FEED.format(name=render.escape(feed.name))
    await edit(update, context, [question], confirm_keyboard(data, chat_id))


@replying
@acts_on_chat(change=True)
async def confirm_button(update: Update, context: Context) -> None:
    """Yes under a question before removing: remove, say what went, offer Undo for a minute."""
    query, data = _callback(update)
    action, feed_id = callback_data.read_confirm(data)
    service, chat_id = context.service, target_id(update, context)
    if action == "unfollowall":
        count, token = await service.remove_topics(chat_id)
        text = texts.UNFOLLOWED_ALL.format(count=count)
    elif action == "unsuball":
        count, token = await service.remove_feeds(chat_id)
        text = texts.UNSUBSCRIBED_ALL.format(count=count)
    else:
        names = {f.id: f.name for f in await service.list_feeds(chat_id)}
        count, token = await service.remove_feeds(chat_id, feed_id)
        text = texts.UNSUBSCRIBED.format(name=render.escape(names.get(feed_id or 0, "")))
    await query.answer(str(texts.DONE))
    if action != "unsub":
        await edit(update, context, [text], InlineKeyboardMarkup([undo_row(token, chat_id)]))
        return
    messages, markup = await feeds_view(service, chat_id)  # the list again, without it
    rows = [undo_row(token, chat_id), *markup.inline_keyboard]
    messages = [f"{text}\n\n{messages[0]}", *messages[1:]]
    await edit(update, context, messages, InlineKeyboardMarkup(rows))


@replying
@acts_on_chat(change=True)
async def cancel_button(update: Update, context: Context) -> None:
    """Cancel under a question before removing: back to /feeds, or say nothing was removed."""
    query, data = _callback(update)
    await query.answer()
    if not callback_data.read_cancel(data):
        await edit(update, context, [str(texts.NOTHING_CHANGED)], None)
        return
    messages, markup = await feeds_view(context.service, target_id(update, context))
    await edit(update, context, messages, markup if markup.inline_keyboard else None)


@replying
@acts_on_chat(change=True)
async def undo_button(update: Update, context: Context) -> None:
    """Undo under what a Yes removed: put it back, if pressed within a minute of it."""
    query, data = _callback(update)
    chat_id = target_id(update, context)
    removal, count = await context.service.undo(chat_id, callback_data.read_undo(data))
    await query.answer(str(texts.DONE))
    text = texts.UNDONE_FEEDS if removal.feeds else texts.UNDONE_TOPICS
    await edit(update, context, [text.format(count=count)], None)


@replying
@acts_on_chat(change=True)
async def settings_button(update: Update, context: Context) -> None:
    """Buttons under /settings (`set:<name>:<value>`): each change is made, answered with a
    toast, and the message redrawn to show the new state."""
    query, data = _callback(update)
    name, value = callback_data.read_setting(data)
    service, chat_id = context.service, target_id(update, context)
    view = "main"
    if name == "view":
        view = str(value)
        settings = await service.settings(chat_id)
    elif name == "sentences" and isinstance(value, int):
        settings = await service.set_sentences(chat_id, int(value))
    elif name == "previews":
        settings = await service.set_link_previews(chat_id, bool(value))
    elif name == "silent":
        settings = await service.set_silent(chat_id, bool(value))
    elif name == "dlen":
        settings = await service.set_digest_length(chat_id, int(value))
    elif name == "time":
        settings, view = await service.toggle_digest_time(chat_id, str(value)), "times"
    elif name == "tz":
        if not 0 <= int(value) < len(ZONE_CHOICES):
            raise UserError(texts.BUTTON_EXPIRED)
        settings = await service.set_timezone(chat_id, ZONE_CHOICES[int(value)])
    elif name == "quiet":
        settings = await service.toggle_quiet_hours(chat_id)
    elif name == "lang":
        settings = await service.set_language(chat_id, list(LANGUAGES)[int(value)])
        with use_language(settings.language):  # the answer and the redraw in the new one
            await query.answer(str(texts.DONE))
            text, markup = settings_view(settings, "main", service.clock())
            await edit(update, context, [text], markup)
        return
    else:
        settings = await service.set_digest_mode(chat_id, str(value))
    await query.answer(None if name == "view" else str(texts.DONE))
    text, markup = settings_view(settings, view, service.clock())
    await edit(update, context, [text], markup)


@replying
@acts_on_chat(change=True)
async def filter_button(update: Update, context: Context) -> None:
    """Filter under /feeds (`filt:<feed id>`): the feed's filter and how to set it, as a new
    message; `filt:<feed id>:off` under that message clears it and redraws the message."""
    query, data = _callback(update)
    feed_id, clear = callback_data.read_feed_filter(data)
    chat_id = target_id(update, context)
    if clear:
        if not await context.service.clear_filter(chat_id, feed_id):
            raise UserError(texts.BUTTON_EXPIRED)
        await query.answer(str(texts.DONE))
        text, markup = await filter_view(context.service, chat_id, feed_id)
        await edit(update, context, [text], markup)
        return
    await query.answer()
    text, markup = await filter_view(context.service, chat_id, feed_id)
    await reply(update, context, text, markup=markup)


@replying
async def digest_button(update: Update, context: Context) -> None:
    """Under a digest: `dg:f:<page>` shows its stories' full summaries in place (paged when
    they need more than one message), `dg:s:0` the compact list again. Reading, not a
    setting: anyone in the chat may press them."""
    query, data = _callback(update)
    full, page = callback_data.read_digest_view(data)
    message = query.message
    if message is None or message.chat.type != ChatType.PRIVATE:  # only private digests have it
        raise UserError(texts.BUTTON_EXPIRED)
    pages = await context.service.digest_message(
        message.chat.id, message.message_id, full=full, sent_at=message.date
    )
    if not pages:
        raise UserError(texts.BUTTON_EXPIRED)
    page = min(page, len(pages) - 1)
    markup = digest_buttons(full=full, page=page, pages=len(pages))
    await query.answer()
    await edit(update, context, [pages[page]], markup)


@replying
async def manage_button(update: Update, context: Context) -> None:
    """A chat picked under /manage: `manage:<chat id>` (0: this private chat). The user's and
    the bot's rights there are asked of Telegram now; a forged id changes nothing."""
    query, data = _callback(update)
    chat_id, user_id = callback_data.read_manage(data), update_user_id(update)
    private = update.effective_chat
    if user_id is None or private is None or private.type != ChatType.PRIVATE:
        raise UserError(texts.MANAGE_PRIVATE_ONLY)
    if chat_id in (0, user_id):
        await context.service.set_managed_chat(user_id, None)
        await query.answer()
        await edit(update, context, [str(texts.MANAGE_BACK)], None)
        return
    chat = await context.service.settings(chat_id)
    if chat.kind == "private" or not chat.active:
        raise UserError(texts.BUTTON_EXPIRED)
    problem = await rights_problem(context, chat_id, chat.title, user_id)
    if problem is not None:
        raise UserError(problem)
    await context.service.set_managed_chat(user_id, chat_id)
    await query.answer()
    title = render.escape(chat.title or str(chat_id))
    await edit(update, context, [texts.MANAGE_NOW.format(title=title)], None)


def button_handlers() -> list[BaseHandler[Update, Any, Any]]:
    """A handler per kind of button, and last one for whatever the others do not know."""
    return [
        CallbackQueryHandler(latest_button, pattern=callback_data.LATEST),
        CallbackQueryHandler(topic_button, pattern=callback_data.TOPIC),
        CallbackQueryHandler(follow_button, pattern=callback_data.FOLLOW),
        CallbackQueryHandler(subscribe_button, pattern=callback_data.SUBSCRIBE),
        CallbackQueryHandler(defaults_button, pattern=callback_data.DEFAULTS),
        CallbackQueryHandler(unsubscribe_button, pattern=callback_data.UNSUBSCRIBE),
        CallbackQueryHandler(confirm_button, pattern=callback_data.CONFIRM),
        CallbackQueryHandler(cancel_button, pattern=callback_data.CANCEL),
        CallbackQueryHandler(undo_button, pattern=callback_data.UNDO),
        CallbackQueryHandler(settings_button, pattern=callback_data.SETTING),
        CallbackQueryHandler(manage_button, pattern=callback_data.MANAGE),
        CallbackQueryHandler(digest_button, pattern=callback_data.DIGEST),
        CallbackQueryHandler(filter_button, pattern=callback_data.FEED_FILTER),
        CallbackQueryHandler(stale_button),
    ]
