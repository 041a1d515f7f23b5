"""Telegram handlers: `*_command` callbacks, inline-button callbacks and `error_handler`.

Each handler parses its arguments, calls `bot.services.commands.Service` (`context.service`,
typed by `bot.tg.context`), and replies with the texts and keyboards of `bot.tg.views` through
`bot.tg.replies`. A `UserError` becomes the reply; anything else goes to `error_handler`.
In groups only administrators change subscriptions and settings (`bot.tg.admin`); anyone may
use /latest and /topic.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
from typing import Any

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import texts
from bot.core import render
from bot.core.models import ChatSettings
from bot.core.netguard import MAX_URL_CHARS
from bot.core.render import to_plain
from bot.core.topic_query import parse_topic_query
from bot.errors import UserError
from bot.services.commands import LATEST_DEFAULT, LATEST_MAX, TOPIC_WINDOW_DAYS, Service, find_link
from bot.tg import callback_data
from bot.tg.admin import admin_only, may_change
from bot.tg.replies import Callback, Context, edit, reply, replying, send, update_chat_id
from bot.tg.views import (
    digest_text,
    feeds_view,
    latest_view,
    link_previews,
    settings_view,
    stats_text,
    topic_view,
    topics_messages,
)

log = logging.getLogger(__name__)

QUERY_REF, URL_REF = "topic-query", "subscribe-url"  # kinds of values kept for buttons


def _service(context: Context) -> Service:
    service: Service = context.service
    return service


def _user_id(update: Update) -> int | None:
    """Who sent the update (None for a channel post or an anonymous admin)."""
    user = update.effective_user
    return user.id if user is not None else None


def _args(context: Context) -> list[str]:
    return list(context.args or [])


def _required_text(context: Context, usage: str) -> str:
    """The command's arguments as one string; the usage line as the reply when there are none."""
    args = _args(context)
    if not args:
        raise UserError(usage)
    return " ".join(args)


# Chats


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
        await _service(context).register_chat(chat.id, chat.type, title, activate=False)
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
        await _service(context).deactivate_chat(chat.id)
    else:
        title = chat.title or chat.full_name or ""
        await _service(context).register_chat(chat.id, chat.type, title, activate=True)
    context.bot_data.seen_chats.pop(chat.id, None)


# Commands


@replying
async def start_command(update: Update, context: Context) -> None:
    """/start: register the chat (active again), greet, say what to do next."""
    chat = update.effective_chat
    assert chat is not None
    title = chat.title or chat.full_name or ""
    await _service(context).register_chat(chat.id, chat.type, title, activate=True)
    await reply(update, context, texts.START)


@replying
async def help_command(update: Update, context: Context) -> None:
    """/help: every command with one line."""
    await reply(update, context, texts.HELP)


@replying
@admin_only
async def subscribe_command(update: Update, context: Context) -> None:
    """/subscribe [URL or name]: the default feeds, or one feed."""
    service, args = _service(context), _args(context)
    if not args:
        names = await service.subscribe_defaults(update_chat_id(update))
        text = texts.SUBSCRIBED_DEFAULTS.format(
            count=len(names), names=render.escape(", ".join(names))
        )
    else:
        title = await service.subscribe(update_chat_id(update), " ".join(args), _user_id(update))
        text = texts.SUBSCRIBED.format(title=render.escape(title))
    await reply(update, context, text)


@replying
@admin_only
async def unsubscribe_command(update: Update, context: Context) -> None:
    """/unsubscribe name|URL|all."""
    text_arg = _required_text(context, texts.UNSUBSCRIBE_USAGE)
    name, count = await _service(context).unsubscribe(update_chat_id(update), text_arg)
    await reply(update, context, _removed(name, count, texts.UNSUBSCRIBED_ALL, texts.UNSUBSCRIBED))


def _removed(name: str, count: int, all_text: str, one_text: str) -> str:
    """The reply to `/unsubscribe` or `/unfollow`: all of them, or the one named."""
    if name == "all":
        return all_text.format(count=count)
    return one_text.format(name=render.escape(name))


@replying
async def feeds_command(update: Update, context: Context) -> None:
    """/feeds: this chat's feeds and their health, with remove buttons."""
    messages, markup = await feeds_view(_service(context), update_chat_id(update))
    await send(update, context, messages, markup if markup.inline_keyboard else None)


def _parse_count(args: list[str]) -> int:
    if not args:
        return LATEST_DEFAULT
    if (
        len(args) > 1
        or not re.fullmatch(r"[0-9]{1,3}", args[0])
        or not 1 <= int(args[0]) <= LATEST_MAX
    ):
        raise UserError(texts.LATEST_USAGE.format(max=LATEST_MAX))
    return int(args[0])


@replying
async def latest_command(update: Update, context: Context) -> None:
    """/latest [N]: the newest N stories of this chat's feeds (or all feeds), with paging."""
    count = _parse_count(_args(context))
    messages, markup, settings = await latest_view(
        _service(context), update_chat_id(update), count, 0
    )
    await send(update, context, messages, markup, link_previews(settings))


async def _query_ref(context: Context, query: str) -> str:
    """A short reference to the query for callback data (at most 64 bytes in all).

    A query too long to carry is kept in the store under its hash, so the buttons still
    work after a restart.
    """
    inline = callback_data.inline_ref(query)
    if inline is not None:
        return inline
    return callback_data.stored_ref(await _service(context).button_ref(QUERY_REF, query))


async def _query_from_ref(context: Context, ref: callback_data.QueryRef) -> str:
    if ref.inline is not None:
        return ref.inline
    return await _service(context).button_value(QUERY_REF, ref.key or "")


async def _topic_view(
    context: Context, chat_id: int, query_text: str, page_no: int
) -> tuple[list[str], InlineKeyboardMarkup, ChatSettings]:
    ref = functools.partial(_query_ref, context)
    return await topic_view(_service(context), chat_id, query_text, page_no, ref)


@replying
async def topic_command(update: Update, context: Context) -> None:
    """/topic <query>: matching stories from every feed, best first, with a Follow button."""
    text_arg = _required_text(context, texts.TOPIC_USAGE)
    messages, markup, settings = await _topic_view(context, update_chat_id(update), text_arg, 0)
    await send(update, context, messages, markup, link_previews(settings))


@replying
@admin_only
async def follow_command(update: Update, context: Context) -> None:
    """/follow <query>: push matching stories from every feed."""
    text_arg = _required_text(context, texts.FOLLOW_USAGE)
    query = await _service(context).follow(update_chat_id(update), text_arg)
    await reply(update, context, texts.FOLLOWED.format(query=render.escape(query)))


@replying
@admin_only
async def unfollow_command(update: Update, context: Context) -> None:
    """/unfollow <query>|all."""
    text_arg = _required_text(context, texts.UNFOLLOW_USAGE)
    query, count = await _service(context).unfollow(update_chat_id(update), text_arg)
    await reply(update, context, _removed(query, count, texts.UNFOLLOWED_ALL, texts.UNFOLLOWED))


@replying
async def topics_command(update: Update, context: Context) -> None:
    """/topics: the topics this chat follows."""
    topics = await _service(context).topics(update_chat_id(update))
    if not topics:
        await reply(update, context, texts.NO_TOPICS)
        return
    await send(update, context, topics_messages(topics))


@replying
@admin_only
async def digest_command(update: Update, context: Context) -> None:
    """/digest instant | daily HH:MM[,HH:MM] | off."""
    settings = await _service(context).set_digest(update_chat_id(update), _args(context))
    await reply(update, context, digest_text(settings))


@replying
async def timezone_command(update: Update, context: Context) -> None:
    """/timezone <IANA name>: show it without argument; set it (admins in groups)."""
    service, args = _service(context), _args(context)
    if len(args) != 1:
        current = (await service.settings(update_chat_id(update))).timezone
        raise UserError(texts.TIMEZONE_USAGE.format(tz=render.escape(current)))
    if not await may_change(update, context):
        raise UserError(texts.ADMINS_ONLY)
    settings = await service.set_timezone(update_chat_id(update), args[0])
    await reply(update, context, texts.TIMEZONE_SET.format(tz=render.escape(settings.timezone)))


@replying
async def settings_command(update: Update, context: Context) -> None:
    """/settings: summary length, link previews and digest mode, with buttons."""
    settings = await _service(context).settings(update_chat_id(update))
    text, markup = settings_view(settings)
    await reply(update, context, text, markup=markup)


@replying
async def stats_command(update: Update, context: Context) -> None:
    """/stats: bot-wide counts, for the bot's administrators only."""
    service = _service(context)
    user = update.effective_user
    if not service.is_bot_admin(user.id if user else None):
        raise UserError(texts.BOT_ADMINS_ONLY)
    counts, failing = await service.stats()
    text = stats_text(counts, failing)
    await send(update, context, render.split_messages([text]))


async def unknown_command(update: Update, context: Context) -> None:
    """An unknown command: point to /help (in groups only when addressed to this bot)."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or not message.text:
        return
    command = message.text.split()[0]
    addressed = command.lower().endswith("@" + (context.bot.username or "").lower())
    if chat.type == ChatType.PRIVATE or addressed:
        await reply(update, context, texts.UNKNOWN_COMMAND)


@replying
async def private_text(update: Update, context: Context) -> None:
    """Plain text in a private chat: a link gets a Subscribe button, other text a Search one."""
    message = update.effective_message
    if message is None or not message.text:
        return
    link = find_link(message.text)
    if link is not None and len(link) > MAX_URL_CHARS:
        await reply(update, context, texts.URL_TOO_LONG.format(limit=f"{MAX_URL_CHARS:,}"))
        return
    if link is not None:
        key = await _service(context).button_ref(URL_REF, link)
        button = InlineKeyboardButton(
            texts.SUBSCRIBE_BUTTON, callback_data=callback_data.subscribe(key)
        )
        text = texts.PASTED_LINK.format(url=render.escape(link))
        await reply(update, context, text, markup=InlineKeyboardMarkup([[button]]))
        return
    try:
        query = parse_topic_query(message.text)
    except UserError:
        query = None
    # Chatter is not stored: only a query short enough to ride in the button gets one.
    ref = callback_data.inline_ref(query.text) if query is not None else None
    if query is None or ref is None:
        await reply(update, context, texts.PLAIN_TEXT)
        return
    button = InlineKeyboardButton(texts.SEARCH_BUTTON, callback_data=callback_data.topic(0, ref))
    shown = render.escape(query.text)
    text = texts.SEARCH_OFFER.format(days=TOPIC_WINDOW_DAYS, query=shown)
    await reply(update, context, text, markup=InlineKeyboardMarkup([[button]]))


# Inline buttons


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
        _service(context), update_chat_id(update), count, page
    )
    await query.answer()
    await edit(update, context, messages, markup, link_previews(settings))


@replying
async def topic_button(update: Update, context: Context) -> None:
    """Prev/Next under /topic: `topic:<page>:<query ref>`."""
    query, data = _callback(update)
    number, ref = callback_data.read_topic(data)
    query_text = await _query_from_ref(context, ref)
    messages, markup, settings = await _topic_view(
        context, update_chat_id(update), query_text, number
    )
    await query.answer()
    await edit(update, context, messages, markup, link_previews(settings))


@replying
@admin_only
async def follow_button(update: Update, context: Context) -> None:
    """Follow under /topic: `follow:<query ref>`."""
    query, data = _callback(update)
    query_text = await _query_from_ref(context, callback_data.read_follow(data))
    followed = await _service(context).follow(update_chat_id(update), query_text)
    await query.answer(to_plain(texts.FOLLOWED.format(query=followed))[:200])
    await reply(update, context, texts.FOLLOWED.format(query=render.escape(followed)))


@replying
@admin_only
async def subscribe_button(update: Update, context: Context) -> None:
    """Subscribe under a link sent as plain text: `sub:<key>`."""
    query, data = _callback(update)
    url = await _service(context).button_value(URL_REF, callback_data.read_subscribe(data))
    title = await _service(context).subscribe(update_chat_id(update), url, _user_id(update))
    await query.answer()
    await reply(update, context, texts.SUBSCRIBED.format(title=render.escape(title)))


@replying
@admin_only
async def unsubscribe_button(update: Update, context: Context) -> None:
    """Remove under /feeds: `unsub:<feed id>`."""
    query, data = _callback(update)
    service = _service(context)
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
    service, chat_id = _service(context), update_chat_id(update)
    if name == "sentences" and isinstance(value, int) and not isinstance(value, bool):
        settings = await service.set_sentences(chat_id, value)
    elif name == "previews" and isinstance(value, bool):
        settings = await service.set_link_previews(chat_id, value)
    else:
        settings = await service.set_digest_mode(chat_id, str(value))
    await query.answer(texts.DONE)
    text, markup = settings_view(settings)
    await edit(update, context, [text], markup)


# Errors


async def error_handler(update: object, context: Context) -> None:
    """Log the error with its traceback; tell the user one line."""
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.callback_query is not None:  # stop the button's spinner, whatever happened
        with contextlib.suppress(Exception):
            await update.callback_query.answer(to_plain(texts.ERROR), show_alert=True)
        return
    try:
        await context.bot.send_message(update.effective_chat.id, texts.ERROR)
    except Exception:  # the chat may be gone; the error is already logged
        log.warning("could not tell chat %s about the error", update.effective_chat.id)


COMMAND_CALLBACKS: dict[str, Callback] = {
    "start": start_command,
    "help": help_command,
    "subscribe": subscribe_command,
    "unsubscribe": unsubscribe_command,
    "feeds": feeds_command,
    "latest": latest_command,
    "topic": topic_command,
    "follow": follow_command,
    "unfollow": unfollow_command,
    "topics": topics_command,
    "digest": digest_command,
    "timezone": timezone_command,
    "settings": settings_command,
    "stats": stats_command,
}


_PRIVATE_TEXT = (
    filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND
)


def build_handlers() -> dict[int, list[BaseHandler[Update, Any, Any]]]:
    """Every handler, by handler group (-1 registers chats before the commands run)."""
    commands: list[BaseHandler[Update, Any, Any]] = [
        CommandHandler(name, callback) for name, callback in COMMAND_CALLBACKS.items()
    ]
    buttons: list[BaseHandler[Update, Any, Any]] = [
        CallbackQueryHandler(latest_button, pattern=callback_data.LATEST),
        CallbackQueryHandler(topic_button, pattern=callback_data.TOPIC),
        CallbackQueryHandler(follow_button, pattern=callback_data.FOLLOW),
        CallbackQueryHandler(subscribe_button, pattern=callback_data.SUBSCRIBE),
        CallbackQueryHandler(unsubscribe_button, pattern=callback_data.UNSUBSCRIBE),
        CallbackQueryHandler(settings_button, pattern=callback_data.SETTING),
        CallbackQueryHandler(stale_button),  # last: whatever the others do not know
    ]
    others: list[BaseHandler[Update, Any, Any]] = [
        MessageHandler(filters.COMMAND, unknown_command),
        MessageHandler(_PRIVATE_TEXT, private_text),
        ChatMemberHandler(my_chat_member_command, ChatMemberHandler.MY_CHAT_MEMBER),
    ]
    tracking: list[BaseHandler[Update, Any, Any]] = [MessageHandler(filters.ALL, track_chat)]
    return {-1: tracking, 0: commands + buttons + others}
