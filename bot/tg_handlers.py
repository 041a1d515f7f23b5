"""Telegram handlers: `*_command` callbacks, inline-button callbacks and `error_handler`.

Each handler parses its arguments, calls `bot.service.Service` (kept in
`application.bot_data["service"]`), and replies with Telegram HTML from `bot.render` and
`bot.texts`. A `UserError` becomes the reply; anything else goes to `error_handler`.
In groups only administrators change subscriptions and settings (checked with getChatMember,
cached for a minute); anyone may use /latest and /topic.
"""

from __future__ import annotations

import functools
import hashlib
import html
import logging
import re
import time
import zoneinfo
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import render, texts
from bot.errors import UserError
from bot.service import LATEST_DEFAULT, LATEST_MAX, TOPIC_WINDOW_DAYS, Service, StoryPage
from bot.store.chats import ChatSettings

log = logging.getLogger(__name__)

SERVICE = "service"  # bot_data key of the Service
ADMIN_CACHE = "admin_cache"  # bot_data key: {(chat_id, user_id): (is_admin, monotonic time)}
QUERY_CACHE = "topic_queries"  # bot_data key: {hash: query} for queries too long for buttons
SEEN_CHATS = "seen_chats"  # bot_data key: {chat_id: title} already registered this run
ADMIN_CACHE_S = 60.0
MAX_REMOVE_BUTTONS = 50
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

Context = ContextTypes.DEFAULT_TYPE
Callback = Callable[[Update, Context], Coroutine[Any, Any, None]]


def _service(context: Context) -> Service:
    service: Service = context.bot_data[SERVICE]
    return service


def _chat_id(update: Update) -> int:
    assert update.effective_chat is not None
    return update.effective_chat.id


async def _send(
    update: Update,
    context: Context,
    messages: Sequence[str],
    markup: InlineKeyboardMarkup | None = None,
    previews: LinkPreviewOptions = NO_PREVIEW,
) -> None:
    """Send messages to the update's chat (and forum topic), the keyboard under the last one."""
    message = update.effective_message
    thread = message.message_thread_id if message and message.is_topic_message else None
    for i, text in enumerate(messages):
        await context.bot.send_message(
            _chat_id(update),
            text,
            parse_mode=ParseMode.HTML,
            link_preview_options=previews,
            reply_markup=markup if i == len(messages) - 1 else None,
            message_thread_id=thread,
        )


async def _reply(update: Update, context: Context, text: str, **kw: Any) -> None:
    await _send(update, context, [text], **kw)


def replying(func: Callback) -> Callback:
    """Turn a UserError raised by the handler into a reply (or a button alert)."""

    @functools.wraps(func)
    async def wrapper(update: Update, context: Context) -> None:
        try:
            await func(update, context)
        except UserError as exc:
            if update.callback_query is not None:
                await update.callback_query.answer(_plain(str(exc)), show_alert=True)
            else:
                await _reply(update, context, str(exc))

    return wrapper


def _plain(markup: str) -> str:
    """Callback alerts are plain text (at most 200 characters)."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup))[:200]


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
    cache: dict[tuple[int, int], tuple[bool, float]] = context.bot_data.setdefault(ADMIN_CACHE, {})
    hit = cache.get((chat.id, user.id))
    if hit is not None and time.monotonic() - hit[1] < ADMIN_CACHE_S:
        return hit[0]
    member = await context.bot.get_chat_member(chat.id, user.id)
    allowed = member.status in {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}
    cache[(chat.id, user.id)] = (allowed, time.monotonic())
    return allowed


def admin_only(func: Callback) -> Callback:
    """Refuse the handler to non-administrators in groups."""

    @functools.wraps(func)
    async def wrapper(update: Update, context: Context) -> None:
        if not await may_change(update, context):
            raise UserError(texts.ADMINS_ONLY)
        await func(update, context)

    return wrapper


def _args(context: Context) -> list[str]:
    return list(context.args or [])


def _zone(settings: ChatSettings) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(settings.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _previews(settings: ChatSettings) -> LinkPreviewOptions:
    return LinkPreviewOptions(is_disabled=not settings.link_previews)


# Chats


async def track_chat(update: Update, context: Context) -> None:
    """Register every chat that talks to the bot (once per title per run)."""
    chat = update.effective_chat
    if chat is None:
        return
    seen: dict[int, str] = context.bot_data.setdefault(SEEN_CHATS, {})
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
    context.bot_data.setdefault(SEEN_CHATS, {}).pop(chat.id, None)


# Commands


@replying
async def start_command(update: Update, context: Context) -> None:
    """/start: register the chat (active again), greet, say what to do next."""
    chat = update.effective_chat
    assert chat is not None
    title = chat.title or chat.full_name or ""
    await _service(context).register_chat(chat.id, chat.type, title, activate=True)
    await _reply(update, context, texts.START)


@replying
async def help_command(update: Update, context: Context) -> None:
    """/help: every command with one line."""
    await _reply(update, context, texts.HELP)


@replying
@admin_only
async def subscribe_command(update: Update, context: Context) -> None:
    """/subscribe [URL or name]: the default feeds, or one feed."""
    service, args = _service(context), _args(context)
    if not args:
        names = await service.subscribe_defaults(_chat_id(update))
        text = texts.SUBSCRIBED_DEFAULTS.format(
            count=len(names), names=render.escape(", ".join(names))
        )
    else:
        title = await service.subscribe(_chat_id(update), " ".join(args))
        text = texts.SUBSCRIBED.format(title=render.escape(title))
    await _reply(update, context, text)


@replying
@admin_only
async def unsubscribe_command(update: Update, context: Context) -> None:
    """/unsubscribe name|URL|all."""
    args = _args(context)
    if not args:
        raise UserError(texts.UNSUBSCRIBE_USAGE)
    name, count = await _service(context).unsubscribe(_chat_id(update), " ".join(args))
    if name == "all":
        text = texts.UNSUBSCRIBED_ALL.format(count=count)
    else:
        text = texts.UNSUBSCRIBED.format(title=render.escape(name))
    await _reply(update, context, text)


async def _feeds_view(service: Service, chat_id: int) -> tuple[list[str], InlineKeyboardMarkup]:
    feeds = await service.list_feeds(chat_id)
    if not feeds:
        return [texts.NO_FEEDS], InlineKeyboardMarkup([])
    limit = service.config.telegram.max_feeds_per_chat
    blocks = [texts.FEEDS_HEADER.format(count=len(feeds), limit=limit)]
    for n, feed in enumerate(feeds, 1):
        health = texts.FEED_HEALTH.get(feed.status, feed.status)
        link = render.safe_url(feed.url)
        name = render.escape(feed.name)
        shown = f'<a href="{render.escape(link)}">{name}</a>' if link else name
        blocks.append(f"{n}. {shown} — {render.escape(health)}")
    buttons = [
        [InlineKeyboardButton(_button(texts.REMOVE_BUTTON, f.name), callback_data=f"unsub:{f.id}")]
        for f in feeds[:MAX_REMOVE_BUTTONS]
    ]
    return _join_lines(blocks), InlineKeyboardMarkup(buttons)


def _button(template: str, name: str) -> str:
    short = name if len(name) <= 40 else name[:39] + "…"
    return template.format(name=short)


def _join_lines(lines: list[str]) -> list[str]:
    """Lines packed into messages (one blank line after the header)."""
    head, rest = lines[0], "\n".join(lines[1:])
    return render.split_messages([head, rest] if rest else [head])


@replying
async def feeds_command(update: Update, context: Context) -> None:
    """/feeds: this chat's feeds and their health, with remove buttons."""
    messages, markup = await _feeds_view(_service(context), _chat_id(update))
    await _send(update, context, messages, markup if markup.inline_keyboard else None)


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


def _render_page(
    header: str, page: StoryPage, settings: ChatSettings, size: int, now: Any
) -> list[str]:
    footer = texts.PAGE.format(page=page.page + 1) if page.page or page.has_next else ""
    return render.render_story_list(
        header,
        page.stories,
        sentences=settings.summary_sentences,
        now=now,
        tz=_zone(settings),
        start=page.page * size + 1,
        footer=render.escape(footer),
    )


def _paging_row(page: StoryPage, data: Callable[[int], str]) -> list[InlineKeyboardButton]:
    row = []
    if page.page > 0:
        row.append(InlineKeyboardButton(texts.PREV_BUTTON, callback_data=data(page.page - 1)))
    if page.has_next:
        row.append(InlineKeyboardButton(texts.NEXT_BUTTON, callback_data=data(page.page + 1)))
    return row


async def _latest_view(
    service: Service, chat_id: int, count: int, page_no: int
) -> tuple[list[str], InlineKeyboardMarkup | None, ChatSettings]:
    page = await service.latest(chat_id, count, page_no)
    settings = await service.settings(chat_id)
    if not page.stories:
        text = texts.NO_STORIES if page_no == 0 else texts.NO_MORE_STORIES
        return [text], None, settings
    header = texts.LATEST_HEADER_ALL if page.all_feeds else texts.LATEST_HEADER
    messages = _render_page(header, page, settings, count, service.clock())
    row = _paging_row(page, lambda p: f"latest:{count}:{p}")
    return messages, InlineKeyboardMarkup([row]) if row else None, settings


@replying
async def latest_command(update: Update, context: Context) -> None:
    """/latest [N]: the newest N stories of this chat's feeds (or all feeds), with paging."""
    count = _parse_count(_args(context))
    messages, markup, settings = await _latest_view(_service(context), _chat_id(update), count, 0)
    await _send(update, context, messages, markup, _previews(settings))


def _query_ref(context: Context, query: str) -> str:
    """A short reference to the query for callback data (at most 64 bytes in all)."""
    if len(query.encode()) <= 40:
        return "q" + query
    key = hashlib.sha256(query.encode()).hexdigest()[:16]
    cache: dict[str, str] = context.bot_data.setdefault(QUERY_CACHE, {})
    cache[key] = query
    return "h" + key


def _query_from_ref(context: Context, ref: str) -> str:
    if ref.startswith("q"):
        return ref[1:]
    query = context.bot_data.get(QUERY_CACHE, {}).get(ref[1:])
    if query is None:
        raise UserError(texts.BUTTON_EXPIRED)
    return str(query)


async def _topic_view(
    context: Context, chat_id: int, query_text: str, page_no: int
) -> tuple[list[str], InlineKeyboardMarkup, ChatSettings]:
    service = _service(context)
    query, page = await service.topic(query_text, page_no)
    settings = await service.settings(chat_id)
    ref = _query_ref(context, query.text)
    follow = [InlineKeyboardButton(texts.FOLLOW_BUTTON, callback_data=f"follow:{ref}")]
    shown = render.escape(query.text)
    if not page.stories:
        text = texts.TOPIC_NOTHING.format(days=TOPIC_WINDOW_DAYS, query=shown)
        return [text], InlineKeyboardMarkup([follow]), settings
    header = texts.TOPIC_HEADER.format(query=shown)
    messages = _render_page(header, page, settings, 5, service.clock())
    row = _paging_row(page, lambda p: f"topic:{p}:{ref}")
    return messages, InlineKeyboardMarkup([row, follow] if row else [follow]), settings


@replying
async def topic_command(update: Update, context: Context) -> None:
    """/topic <query>: matching stories from every feed, best first, with a Follow button."""
    args = _args(context)
    if not args:
        raise UserError(texts.TOPIC_USAGE)
    messages, markup, settings = await _topic_view(context, _chat_id(update), " ".join(args), 0)
    await _send(update, context, messages, markup, _previews(settings))


@replying
@admin_only
async def follow_command(update: Update, context: Context) -> None:
    """/follow <query>: push matching stories from every feed."""
    args = _args(context)
    if not args:
        raise UserError(texts.FOLLOW_USAGE)
    query = await _service(context).follow(_chat_id(update), " ".join(args))
    await _reply(update, context, texts.FOLLOWED.format(query=render.escape(query)))


@replying
@admin_only
async def unfollow_command(update: Update, context: Context) -> None:
    """/unfollow <query>|all."""
    args = _args(context)
    if not args:
        raise UserError(texts.UNFOLLOW_USAGE)
    query, count = await _service(context).unfollow(_chat_id(update), " ".join(args))
    if query == "all":
        text = texts.UNFOLLOWED_ALL.format(count=count)
    else:
        text = texts.UNFOLLOWED.format(query=render.escape(query))
    await _reply(update, context, text)


@replying
async def topics_command(update: Update, context: Context) -> None:
    """/topics: the topics this chat follows."""
    topics = await _service(context).topics(_chat_id(update))
    if not topics:
        await _reply(update, context, texts.NO_TOPICS)
        return
    lines = [f"{n}. <code>{render.escape(q)}</code>" for n, q in enumerate(topics, 1)]
    await _send(update, context, _join_lines([texts.TOPICS_HEADER, *lines]))


def _digest_text(settings: ChatSettings) -> str:
    times = settings.digest_times.replace(",", ", ") or "08:00"
    return texts.DIGEST_SET[settings.digest_mode].format(
        times=times, tz=render.escape(settings.timezone)
    )


@replying
@admin_only
async def digest_command(update: Update, context: Context) -> None:
    """/digest instant | daily HH:MM[,HH:MM] | off."""
    settings = await _service(context).set_digest(_chat_id(update), _args(context))
    await _reply(update, context, _digest_text(settings))


@replying
async def timezone_command(update: Update, context: Context) -> None:
    """/timezone <IANA name>: show it without argument; set it (admins in groups)."""
    service, args = _service(context), _args(context)
    if len(args) != 1:
        current = (await service.settings(_chat_id(update))).timezone
        raise UserError(texts.TIMEZONE_USAGE.format(tz=render.escape(current)))
    if not await may_change(update, context):
        raise UserError(texts.ADMINS_ONLY)
    settings = await service.set_timezone(_chat_id(update), args[0])
    await _reply(update, context, texts.TIMEZONE_SET.format(tz=render.escape(settings.timezone)))


def _settings_view(settings: ChatSettings) -> tuple[str, InlineKeyboardMarkup]:
    digest = texts.DIGEST_DESCRIPTION[settings.digest_mode].format(
        times=settings.digest_times.replace(",", ", ")
    )
    text = texts.SETTINGS.format(
        sentences=settings.summary_sentences,
        previews=texts.ON if settings.link_previews else texts.OFF,
        digest=render.escape(digest),
        tz=render.escape(settings.timezone),
    )
    sentence_row = [
        InlineKeyboardButton(
            ("• " if n == settings.summary_sentences else "") + texts.SENTENCES_BUTTON.format(n=n),
            callback_data=f"set:sentences:{n}",
        )
        for n in range(6)
    ]
    flip = texts.OFF if settings.link_previews else texts.ON
    other_rows = [
        [
            InlineKeyboardButton(
                texts.PREVIEWS_BUTTON.format(state=flip), callback_data=f"set:previews:{flip}"
            )
        ],
        [
            InlineKeyboardButton(
                texts.DIGEST_BUTTON.format(mode=mode), callback_data=f"set:digest:{mode}"
            )
            for mode in ("instant", "daily", "off")
            if mode != settings.digest_mode
        ],
    ]
    return text, InlineKeyboardMarkup([sentence_row, *other_rows])


@replying
async def settings_command(update: Update, context: Context) -> None:
    """/settings: summary length, link previews and digest mode, with buttons."""
    settings = await _service(context).settings(_chat_id(update))
    text, markup = _settings_view(settings)
    await _reply(update, context, text, markup=markup)


@replying
async def stats_command(update: Update, context: Context) -> None:
    """/stats: bot-wide counts, for the bot's administrators only."""
    service = _service(context)
    user = update.effective_user
    if not service.is_bot_admin(user.id if user else None):
        raise UserError(texts.BOT_ADMINS_ONLY)
    counts, failing = await service.stats()
    text = texts.STATS.format(**counts)
    if failing:
        lines = "\n".join(
            f"{render.escape(f.name or f.title or f.url)} — {render.escape(f.status)} "
            f"({f.consecutive_failures}×)"
            for f in failing
        )
        text += texts.FAILING_FEEDS.format(lines=lines)
    await _send(update, context, render.split_messages([text]))


async def unknown_command(update: Update, context: Context) -> None:
    """An unknown command: point to /help (in groups only when addressed to this bot)."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or not message.text:
        return
    command = message.text.split()[0]
    addressed = command.lower().endswith("@" + (context.bot.username or "").lower())
    if chat.type == ChatType.PRIVATE or addressed:
        await _reply(update, context, texts.UNKNOWN_COMMAND)


# Inline buttons


def _callback(update: Update) -> tuple[CallbackQuery, str]:
    query = update.callback_query
    if query is None or query.data is None:
        raise UserError(texts.BUTTON_EXPIRED)
    return query, query.data


async def _edit(
    update: Update,
    context: Context,
    messages: list[str],
    markup: InlineKeyboardMarkup | None,
    previews: LinkPreviewOptions = NO_PREVIEW,
) -> None:
    """Replace the button's message with the first message; send any others after it."""
    query = update.callback_query
    assert query is not None
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
        await _send(update, context, messages[1:], markup, previews)


@replying
async def latest_button(update: Update, context: Context) -> None:
    """Prev/Next under /latest: `latest:<count>:<page>`."""
    query, data = _callback(update)
    _, count, page = data.split(":")
    messages, markup, settings = await _latest_view(
        _service(context), _chat_id(update), min(max(int(count), 1), LATEST_MAX), int(page)
    )
    await query.answer()
    await _edit(update, context, messages, markup, _previews(settings))


@replying
async def topic_button(update: Update, context: Context) -> None:
    """Prev/Next under /topic: `topic:<page>:<query ref>`."""
    query, data = _callback(update)
    _, page, ref = data.split(":", 2)
    query_text = _query_from_ref(context, ref)
    messages, markup, settings = await _topic_view(
        context, _chat_id(update), query_text, int(page)
    )
    await query.answer()
    await _edit(update, context, messages, markup, _previews(settings))


@replying
@admin_only
async def follow_button(update: Update, context: Context) -> None:
    """Follow under /topic: `follow:<query ref>`."""
    query, data = _callback(update)
    query_text = _query_from_ref(context, data.split(":", 1)[1])
    followed = await _service(context).follow(_chat_id(update), query_text)
    await query.answer(_plain(texts.FOLLOWED.format(query=followed)))
    await _reply(update, context, texts.FOLLOWED.format(query=render.escape(followed)))


@replying
@admin_only
async def unsubscribe_button(update: Update, context: Context) -> None:
    """Remove under /feeds: `unsub:<feed id>`."""
    query, data = _callback(update)
    service = _service(context)
    await service.unsubscribe_id(_chat_id(update), int(data.split(":")[1]))
    await query.answer(texts.DONE)
    messages, markup = await _feeds_view(service, _chat_id(update))
    await _edit(update, context, messages, markup if markup.inline_keyboard else None)


@replying
@admin_only
async def settings_button(update: Update, context: Context) -> None:
    """Buttons under /settings: `set:sentences:<n>`, `set:previews:on|off`, `set:digest:<m>`."""
    query, data = _callback(update)
    _, name, value = data.split(":")
    service, chat_id = _service(context), _chat_id(update)
    if name == "sentences":
        settings = await service.set_sentences(chat_id, int(value))
    elif name == "previews":
        settings = await service.set_link_previews(chat_id, value == texts.ON)
    else:
        settings = await service.set_digest_mode(chat_id, value)
    await query.answer(texts.DONE)
    text, markup = _settings_view(settings)
    await _edit(update, context, [text], markup)


# Errors


async def error_handler(update: object, context: Context) -> None:
    """Log the error with its traceback; tell the user one line."""
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
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


def build_handlers() -> dict[int, list[BaseHandler[Update, Any, Any]]]:
    """Every handler, by handler group (-1 registers chats before the commands run)."""
    commands: list[BaseHandler[Update, Any, Any]] = [
        CommandHandler(name, callback) for name, callback in COMMAND_CALLBACKS.items()
    ]
    buttons: list[BaseHandler[Update, Any, Any]] = [
        CallbackQueryHandler(latest_button, pattern=r"^latest:\d+:\d+$"),
        CallbackQueryHandler(topic_button, pattern=r"^topic:\d+:"),
        CallbackQueryHandler(follow_button, pattern=r"^follow:"),
        CallbackQueryHandler(unsubscribe_button, pattern=r"^unsub:\d+$"),
        CallbackQueryHandler(settings_button, pattern=r"^set:\w+:\w+$"),
    ]
    others: list[BaseHandler[Update, Any, Any]] = [
        MessageHandler(filters.COMMAND, unknown_command),
        ChatMemberHandler(my_chat_member_command, ChatMemberHandler.MY_CHAT_MEMBER),
    ]
    tracking: list[BaseHandler[Update, Any, Any]] = [MessageHandler(filters.ALL, track_chat)]
    return {-1: tracking, 0: commands + buttons + others}
