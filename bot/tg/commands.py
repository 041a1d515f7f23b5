"""Telegram command handlers: `/start` … `/stats`, unknown commands and plain text.

Each parses its arguments, calls `bot.services.commands.Service` (`context.service`, typed by
`bot.tg.context`), and replies with the texts and keyboards of `bot.tg.views` through
`bot.tg.replies`. A `UserError` becomes the reply; anything else goes to the error handler.
In groups only administrators change subscriptions and settings (`bot.tg.manage`); anyone may
use /latest and /topic.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType

from bot import texts
from bot.core import render
from bot.core.netguard import MAX_URL_CHARS
from bot.core.schedule import zone_at
from bot.core.topic_query import parse_topic_query
from bot.core.user_input import find_link, start_link
from bot.errors import UserError
from bot.i18n import Plural
from bot.services.stories import LATEST_DEFAULT, LATEST_MAX, TOPIC_WINDOW_DAYS
from bot.tg import callback_data
from bot.tg.manage import (
    acts_on_chat,
    manageable,
    may_change,
    resolve_target,
    target_id,
    target_thread,
)
from bot.tg.opml import export_command, import_command
from bot.tg.replies import Callback, Context, reply, replying, send, update_user_id
from bot.tg.settings_view import settings_view
from bot.tg.views import (
    URL_REF,
    confirm_keyboard,
    digest_text,
    feeds_view,
    latest_on_view,
    latest_view,
    link_previews,
    manage_view,
    start_view,
    stats_text,
    subscribed_defaults_text,
    topic_view,
    topics_messages,
)


def _args(context: Context) -> list[str]:
    return list(context.args or [])


def _required_text(context: Context, usage: str) -> str:
    """The command's arguments as one string; the usage line as the reply when there are none."""
    args = _args(context)
    if not args:
        raise UserError(usage)
    return " ".join(args)


@replying
async def start_command(update: Update, context: Context) -> None:
    """/start [payload]: register the chat (active again), greet with the suggested feeds and
    example topics; a deep link (`subscribe-<name>`, `topic-<query>`) does what it says."""
    chat = update.effective_chat
    assert chat is not None
    title = chat.title or chat.full_name or ""
    await context.service.register_chat(chat.id, chat.type, title, activate=True)
    args = _args(context)
    link = start_link(args[0]) if len(args) == 1 else None
    if link is not None and link[0] == "subscribe" and context.service.catalogue(link[1]):
        context.args = [link[1]]  # as `/subscribe <name>`, with its checks (admins in groups)
        await subscribe_command(update, context)
        return
    if link is not None and link[0] == "topic":
        await _show_topic(update, context, link[1])
        return
    text, markup = start_view(context.service.config.feeds, chat.id)
    await reply(
        update, context, text + (str(texts.START_LINK_UNKNOWN) if args else ""), markup=markup
    )


@replying
async def help_command(update: Update, context: Context) -> None:
    """/help: the commands of this chat's menu, one line each (in a group, the members' and
    then the administrators'; for a bot admin, /stats too)."""
    chat = update.effective_chat
    if chat is not None and chat.type != ChatType.PRIVATE:
        audience = texts.GROUP
    elif context.service.is_bot_admin(update_user_id(update)):
        audience = texts.BOT_ADMIN
    else:
        audience = texts.PRIVATE
    await reply(update, context, texts.help_text(audience))


@replying
@acts_on_chat(change=True)
async def subscribe_command(update: Update, context: Context) -> None:
    """/subscribe [URL or name]: the default feeds, or one feed."""
    service, args = context.service, _args(context)
    if not args:
        names = await service.subscribe_defaults(
            target_id(update, context), target_thread(update, context)
        )
        text = subscribed_defaults_text(names)
    else:
        title = await service.subscribe(
            target_id(update, context),
            " ".join(args),
            update_user_id(update),
            target_thread(update, context),
        )
        text = texts.SUBSCRIBED.format(title=render.escape(title))
    await reply(update, context, text)


@replying
@acts_on_chat(change=True)
async def unsubscribe_command(update: Update, context: Context) -> None:
    """/unsubscribe name|URL|all (all asks first)."""
    name = _required_text(context, str(texts.UNSUBSCRIBE_USAGE))
    chat_id = target_id(update, context)
    if name.strip().lower() == "all":
        count = len(await context.service.list_feeds(chat_id))
        await _ask(update, context, texts.CONFIRM_UNSUBSCRIBE_ALL, count, "unsuball")
        return
    removed = await context.service.unsubscribe(chat_id, name)
    await reply(update, context, texts.UNSUBSCRIBED.format(name=render.escape(removed)))


async def _ask(
    update: Update, context: Context, question: Plural, count: int, action: str
) -> None:
    """Ask with Yes / Cancel before removing all (`action`); nothing to ask when none."""
    if not count:
        raise UserError(texts.NO_FEEDS if action == "unsuball" else texts.NO_TOPICS)
    markup = confirm_keyboard(action, target_id(update, context))
    if context.target is not None:  # a managed chat's question says "For:", not "Changed for:"
        context.target = replace(context.target, change=False)
    await reply(update, context, question.format(count=count), markup=markup)


@replying
@acts_on_chat(change=False)
async def feeds_command(update: Update, context: Context) -> None:
    """/feeds: this chat's feeds and their health, with remove buttons."""
    messages, markup = await feeds_view(context.service, target_id(update, context))
    await send(update, context, messages, markup if markup.inline_keyboard else None)


def _parse_count(args: list[str]) -> tuple[int, str]:
    """`[N] [topic query]` → (N, query); a number out of range gets the usage."""
    if not args:
        return LATEST_DEFAULT, ""
    if not re.fullmatch(r"[0-9]+", args[0]):
        return LATEST_DEFAULT, " ".join(args)
    if len(args[0]) > 3 or not 1 <= int(args[0]) <= LATEST_MAX:
        if len(args) > 1:  # "/latest 2024 election": the number belongs to the topic
            return LATEST_DEFAULT, " ".join(args)
        raise UserError(texts.LATEST_USAGE.format(max=LATEST_MAX))
    return int(args[0]), " ".join(args[1:])


@replying
async def latest_command(update: Update, context: Context) -> None:
    """/latest [N] [topic]: the newest N stories of this chat's feeds (or all feeds), with
    paging; with a topic, the newest N on it."""
    count, query = _parse_count(_args(context))
    chat_id = target_id(update, context)
    if query:
        messages, settings = await latest_on_view(context.service, chat_id, count, query)
        await send(update, context, messages, None, link_previews(settings))
        return
    messages, markup, settings = await latest_view(context.service, chat_id, count, 0)
    await send(update, context, messages, markup, link_previews(settings))


@replying
async def topic_command(update: Update, context: Context) -> None:
    """/topic <query>: matching stories from every feed, best first, with a Follow button."""
    await _show_topic(update, context, _required_text(context, str(texts.TOPIC_USAGE)))


async def _show_topic(update: Update, context: Context, query: str) -> None:
    messages, markup, settings = await topic_view(
        context.service, target_id(update, context), query, 0
    )
    await send(update, context, messages, markup, link_previews(settings))


@replying
@acts_on_chat(change=True)
async def follow_command(update: Update, context: Context) -> None:
    """/follow <query>: push matching stories from every feed."""
    text_arg = _required_text(context, str(texts.FOLLOW_USAGE))
    query = await context.service.follow(
        target_id(update, context), text_arg, target_thread(update, context)
    )
    await reply(update, context, texts.FOLLOWED.format(query=render.escape(query)))


@replying
@acts_on_chat(change=True)
async def unfollow_command(update: Update, context: Context) -> None:
    """/unfollow <query>|all (all asks first)."""
    query = _required_text(context, str(texts.UNFOLLOW_USAGE))
    chat_id = target_id(update, context)
    if query.strip().lower() == "all":
        count = len(await context.service.topics(chat_id))
        await _ask(update, context, texts.CONFIRM_UNFOLLOW_ALL, count, "unfollowall")
        return
    removed = await context.service.unfollow(chat_id, query)
    await reply(update, context, texts.UNFOLLOWED.format(name=render.escape(removed)))


@replying
@acts_on_chat(change=False)
async def topics_command(update: Update, context: Context) -> None:
    """/topics: the topics this chat follows."""
    topics = await context.service.topics(target_id(update, context))
    if not topics:
        await reply(update, context, str(texts.NO_TOPICS))
        return
    threads = await context.service.topic_threads(target_id(update, context))
    await send(update, context, topics_messages(topics, target_id(update, context), threads))


@replying
@acts_on_chat(change=True)
async def digest_command(update: Update, context: Context) -> None:
    """/digest instant | daily HH:MM[,HH:MM] | off | now."""
    args, chat_id = _args(context), target_id(update, context)
    if [a.lower() for a in args] == ["now"]:
        waiting = await context.service.digest_now(chat_id)
        text = (
            texts.DIGEST_NOW.format(count=texts.stories_count(waiting))
            if waiting
            else str(texts.DIGEST_NOTHING)
        )
        await reply(update, context, text)
        return
    settings = await context.service.set_digest(chat_id, args)
    await reply(update, context, digest_text(settings))


@replying
@acts_on_chat(change=False)
async def filter_command(update: Update, context: Context) -> None:
    """/filter <feed> <query> | <feed> off: push only that feed's stories matching the query;
    without arguments, list the chat's filters (anyone); changing is for admins in groups."""
    service, args, chat_id = context.service, _args(context), target_id(update, context)
    if not args:
        filters = await service.filters(chat_id)
        if not filters:
            raise UserError(f"{texts.FILTER_NONE} {texts.FILTER_USAGE}")
        feeds = await service.list_feeds(chat_id)
        lines = [
            texts.FILTER_LINE.format(
                n=n, feed=render.escape(f.name), query=render.escape(filters[f.id])
            )
            for n, f in enumerate(feeds, 1)
            if f.id in filters
        ]
        await reply(update, context, texts.FILTER_LIST.format(lines="\n".join(lines)))
        return
    await _check_change(update, context)
    feed, query = await service.set_filter(chat_id, args)
    name = render.escape(feed.display_name)
    if query:
        text = texts.FILTER_SET.format(feed=name, query=render.escape(query))
    else:
        text = texts.FILTER_OFF.format(feed=name)
    await reply(update, context, text)


@replying
@acts_on_chat(change=False)
async def mute_command(update: Update, context: Context) -> None:
    """/mute <query> | off: stories matching it are never pushed to this chat; without an
    argument, say what is muted (anyone); changing is for admins in groups."""
    service, args, chat_id = context.service, _args(context), target_id(update, context)
    if not args:
        current = (await service.settings(chat_id)).mute
        if not current:
            raise UserError(texts.MUTE_USAGE)
        await reply(update, context, texts.MUTE_NOW.format(query=render.escape(current)))
        return
    await _check_change(update, context)
    query = await service.set_mute(chat_id, " ".join(args))
    text = texts.MUTE_SET.format(query=render.escape(query)) if query else str(texts.MUTE_OFF)
    await reply(update, context, text)


@replying
@acts_on_chat(change=False)
async def quiet_command(update: Update, context: Context) -> None:
    """/quiet 23:00-07:00 | off: hold instant stories inside the window until it ends; without
    an argument, say what it is now (anyone); changing it is for admins in groups."""
    service, args = context.service, _args(context)
    if not args:
        current = (await service.settings(target_id(update, context))).quiet_hours
        shown = current.replace("-", "–") if current else str(texts.OFF)
        raise UserError(f"{texts.QUIET_NOW.format(window=shown)}\n\n{texts.QUIET_USAGE}")
    await _check_change(update, context)
    settings = await service.set_quiet_hours(target_id(update, context), " ".join(args))
    if settings.quiet_hours:
        window = settings.quiet_hours.replace("-", "–")
        text = texts.QUIET_SET.format(window=window, tz=render.escape(settings.timezone))
    else:
        text = str(texts.QUIET_OFF)
    await reply(update, context, text)


async def _check_change(update: Update, context: Context) -> None:
    """For a command that shows a setting without arguments and changes it with them: only
    admins change a group's (asked of Telegram now); a managed chat was checked already."""
    target = context.target
    if target is not None and not target.managed and not await may_change(update, context):
        raise UserError(texts.ADMINS_ONLY)
    if target is not None:
        context.target = replace(target, change=True)


@replying
@acts_on_chat(change=False)
async def timezone_command(update: Update, context: Context) -> None:
    """/timezone <IANA name>: show it without argument; set it (admins in groups)."""
    service, args = context.service, _args(context)
    if not args or len(args) > 4:
        current = (await service.settings(target_id(update, context))).timezone
        raise UserError(texts.TIMEZONE_USAGE.format(tz=render.escape(current)))
    await _check_change(update, context)
    settings = await service.set_timezone(target_id(update, context), " ".join(args))
    await reply(update, context, texts.TIMEZONE_SET.format(tz=render.escape(settings.timezone)))


@replying
@acts_on_chat(change=False)
async def settings_command(update: Update, context: Context) -> None:
    """/settings: summary length, link previews and digest mode, with buttons."""
    settings = await context.service.settings(target_id(update, context))
    text, markup = settings_view(settings, now=context.service.clock())
    await reply(update, context, text, markup=markup)


@replying
@acts_on_chat(change=False)
async def language_command(update: Update, context: Context) -> None:
    """/language: buttons for the language the bot answers in here."""
    settings = await context.service.settings(target_id(update, context))
    text, markup = settings_view(settings, "langs", context.service.clock())
    await reply(update, context, text, markup=markup)


@replying
async def manage_command(update: Update, context: Context) -> None:
    """/manage [@channel]: pick the group or channel this private chat changes.

    Lists, as buttons, the chats the user added the bot to (or manages now) where Telegram
    says, asked now, that the user is an administrator and the bot may post.
    """
    chat, user_id = update.effective_chat, update_user_id(update)
    if chat is None or chat.type != ChatType.PRIVATE or user_id is None:
        raise UserError(texts.MANAGE_PRIVATE_ONLY)
    args = _args(context)
    if args and (len(args) > 1 or not args[0].startswith("@")):
        raise UserError(texts.MANAGE_USAGE)
    if args:  # /manage @channel: pick that one directly
        target, _ = await resolve_target(update, context, args[:1])
        if not target.managed:
            raise UserError(texts.MANAGE_UNKNOWN_CHAT.format(name=render.escape(args[0][:65])))
        await context.service.set_managed_chat(user_id, target.chat_id)
        title = render.escape(target.title or str(target.chat_id))
        await reply(update, context, texts.MANAGE_NOW.format(title=title))
        return
    chats = await manageable(context, user_id)
    text, markup = manage_view(chats)
    await reply(update, context, text, markup=markup)


@replying
async def stats_command(update: Update, context: Context) -> None:
    """/stats: bot-wide counts, for the bot's administrators only."""
    service = context.service
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
        await reply(update, context, str(texts.UNKNOWN_COMMAND))


@replying
@acts_on_chat(change=True)
async def location_message(update: Update, context: Context) -> None:
    """A location shared in a private chat: its time zone becomes the chat's (or the managed
    chat's). Only the zone's name is kept, never the coordinates."""
    message = update.effective_message
    if message is None or message.location is None:
        return
    where = message.location
    zone = await asyncio.to_thread(zone_at, where.latitude, where.longitude)
    if zone is None:
        raise UserError(texts.LOCATION_NO_ZONE)
    settings = await context.service.set_timezone(target_id(update, context), zone)
    shown = render.escape(settings.timezone)
    await reply(update, context, texts.TIMEZONE_FROM_LOCATION.format(tz=shown))


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
        key = await context.service.button_ref(URL_REF, link)
        button = InlineKeyboardButton(
            str(texts.SUBSCRIBE_BUTTON), callback_data=callback_data.subscribe(key)
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
        await reply(update, context, str(texts.PLAIN_TEXT))
        return
    button = InlineKeyboardButton(
        str(texts.SEARCH_BUTTON), callback_data=callback_data.topic(0, ref)
    )
    shown = render.escape(query.text)
    text = texts.SEARCH_OFFER.format(days=TOPIC_WINDOW_DAYS, query=shown)
    await reply(update, context, text, markup=InlineKeyboardMarkup([[button]]))


async def channel_command(update: Update, context: Context) -> None:
    """A command posted in a channel (PTB's CommandHandler does not see channel posts): run
    as in a group; a channel post has no sender, and only administrators can post."""
    message = update.channel_post
    if message is None or not message.text or not message.text.startswith("/"):
        return
    first, *rest = message.text.split()
    name, _, addressed = first[1:].partition("@")
    if addressed and addressed.lower() != (context.bot.username or "").lower():
        return
    callback = COMMAND_CALLBACKS.get(name.lower())
    if callback is None or name.lower() in _NOT_IN_CHANNELS:
        return  # a channel's readers would see the answer: an unknown command stays quiet
    context.args = rest
    await callback(update, context)


# /import waits for a file from its sender, and a channel post has none: use /manage.
_NOT_IN_CHANNELS = frozenset({"manage", "stats", "import"})

COMMAND_CALLBACKS: dict[str, Callback] = {
    "start": start_command,
    "help": help_command,
    "subscribe": subscribe_command,
    "unsubscribe": unsubscribe_command,
    "feeds": feeds_command,
    "import": import_command,
    "export": export_command,
    "latest": latest_command,
    "topic": topic_command,
    "follow": follow_command,
    "unfollow": unfollow_command,
    "topics": topics_command,
    "digest": digest_command,
    "timezone": timezone_command,
    "quiet": quiet_command,
    "filter": filter_command,
    "mute": mute_command,
    "settings": settings_command,
    "language": language_command,
    "manage": manage_command,
    "stats": stats_command,
}
