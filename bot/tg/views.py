"""Telegram replies: the texts and inline keyboards that the commands and buttons send.

The page builders (`feeds_view`, `latest_view`, `topic_view`) and the query references ask
`bot.services.commands.Service` for their data; everything else here is pure. Texts are Telegram
HTML from `bot.core.render` and `bot.texts`. Callback data of the buttons is built and read
back by `bot.tg.callback_data`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions

from bot import texts
from bot.config import CatalogueFeed
from bot.core import render
from bot.core.models import ChatSettings, Feed
from bot.core.schedule import chat_zone
from bot.errors import UserError
from bot.services.commands import Service
from bot.services.stories import TOPIC_PAGE, TOPIC_WINDOW_DAYS, StoryPage
from bot.tg import callback_data

MAX_REMOVE_BUTTONS = 50
QUERY_REF, URL_REF = "topic-query", "subscribe-url"  # kinds of values kept for buttons


def link_previews(settings: ChatSettings) -> LinkPreviewOptions:
    """Return the link preview options the chat asked for."""
    return LinkPreviewOptions(is_disabled=not settings.link_previews)


def button_label(template: str, name: str) -> str:
    """Fill `template` with a name shortened to fit on a button."""
    short = name if len(name) <= 40 else name[:39] + "…"
    return template.format(name=short)


def join_lines(lines: list[str]) -> list[str]:
    """Pack lines into messages (one blank line after the header)."""
    head, rest = lines[0], "\n".join(lines[1:])
    return render.split_messages([head, rest] if rest else [head])


async def feeds_view(service: Service, chat_id: int) -> tuple[list[str], InlineKeyboardMarkup]:
    """Build /feeds: the chat's feeds with their health, and a remove button for each."""
    feeds = await service.list_feeds(chat_id)
    if not feeds:
        return [str(texts.NO_FEEDS)], InlineKeyboardMarkup([])
    limit = service.config.telegram.max_feeds_per_chat
    blocks = [texts.FEEDS_HEADER.format(count=len(feeds), limit=limit)]
    for n, feed in enumerate(feeds, 1):
        health = str(texts.FEED_HEALTH.get(feed.status, feed.status))
        link = render.safe_url(feed.url)
        name = render.escape(feed.name)
        shown = f'<a href="{render.escape(link)}">{name}</a>' if link else name
        where = thread_note(chat_id, feed.thread_id)
        only = texts.FILTER_SHOWN.format(query=render.escape(feed.filter)) if feed.filter else ""
        blocks.append(f"{n}. {shown} — {render.escape(health)}{where}{only}")
    buttons = [
        [
            InlineKeyboardButton(
                button_label(str(texts.REMOVE_BUTTON), f.name),
                callback_data=callback_data.unsubscribe(f.id, chat_id),
            ),
            InlineKeyboardButton(
                button_label(str(texts.FILTER_BUTTON), f.name),
                callback_data=callback_data.feed_filter(f.id, chat_id),
            ),
        ]
        for f in feeds[:MAX_REMOVE_BUTTONS]
    ]
    return join_lines(blocks), InlineKeyboardMarkup(buttons)


async def filter_view(
    service: Service, chat_id: int, feed_id: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    """A feed's filter, how to set it, and a button to clear it when it has one."""
    feeds = await service.list_feeds(chat_id)
    found = [(n, f) for n, f in enumerate(feeds, 1) if f.id == feed_id]
    if not found:
        raise UserError(texts.BUTTON_EXPIRED)
    n, feed = found[0]
    if feed.filter:
        state = texts.FILTER_STATE.format(query=render.escape(feed.filter))
    else:
        state = str(texts.FILTER_STATE_ALL)
    text = texts.FILTER_HELP.format(feed=render.escape(feed.name), state=state, n=n)
    if not feed.filter:
        return text, None
    clear = InlineKeyboardButton(
        str(texts.FILTER_CLEAR_BUTTON),
        callback_data=callback_data.feed_filter(feed_id, chat_id, True),
    )
    return text, InlineKeyboardMarkup([[clear]])


def confirm_keyboard(action: str, chat_id: int) -> InlineKeyboardMarkup:
    """Yes / Cancel under a question before removing (`action` as `callback_data.confirm`)."""
    yes = callback_data.confirm(action, chat_id)
    back = callback_data.cancel(action.startswith("unsub:"), chat_id)
    row = [
        InlineKeyboardButton(str(texts.YES_BUTTON), callback_data=yes),
        InlineKeyboardButton(str(texts.CANCEL_BUTTON), callback_data=back),
    ]
    return InlineKeyboardMarkup([row])


def undo_row(token: str, chat_id: int) -> list[InlineKeyboardButton]:
    """The Undo button under what a Yes removed."""
    data = callback_data.undo(token, chat_id)
    return [InlineKeyboardButton(str(texts.UNDO_BUTTON), callback_data=data)]


def render_page(
    header: str, page: StoryPage, settings: ChatSettings, size: int, now: datetime
) -> list[str]:
    """Render one page of stories, numbered across pages, with a page footer when paged."""
    footer = texts.PAGE.format(page=page.page + 1) if page.page or page.has_next else ""
    return render.render_story_list(
        header,
        page.stories,
        sentences=settings.summary_sentences,
        now=now,
        tz=chat_zone(settings.timezone),
        start=page.page * size + 1,
        footer=render.escape(footer),
    )


def paging_row(page: StoryPage, data: Callable[[int], str]) -> list[InlineKeyboardButton]:
    """Build the Prev/Next buttons of a page; `data` gives a page number's callback data."""
    row = []
    if page.page > 0:
        row.append(InlineKeyboardButton(str(texts.PREV_BUTTON), callback_data=data(page.page - 1)))
    if page.has_next:
        row.append(InlineKeyboardButton(str(texts.NEXT_BUTTON), callback_data=data(page.page + 1)))
    return row


async def latest_view(
    service: Service, chat_id: int, count: int, page_no: int
) -> tuple[list[str], InlineKeyboardMarkup | None, ChatSettings]:
    """Build one page of /latest with its paging buttons, and the chat's settings."""
    page = await service.latest(chat_id, count, page_no)
    settings = await service.settings(chat_id)
    if not page.stories:
        text = str(texts.NO_STORIES if page_no == 0 else texts.NO_MORE_STORIES)
        return [text], None, settings
    header = str(texts.LATEST_HEADER_ALL if page.all_feeds else texts.LATEST_HEADER)
    messages = render_page(header, page, settings, count, service.clock())
    row = paging_row(page, lambda p: callback_data.latest(count, p))
    return messages, InlineKeyboardMarkup([row]) if row else None, settings


async def latest_on_view(
    service: Service, chat_id: int, count: int, query_text: str
) -> tuple[list[str], ChatSettings]:
    """Build `/latest N <topic>`: the newest N stories on the topic, and the chat's settings."""
    query, page = await service.latest_on(chat_id, count, query_text)
    settings = await service.settings(chat_id)
    shown = render.escape(query.text)
    if not page.stories:
        return [texts.TOPIC_NOTHING.format(days=TOPIC_WINDOW_DAYS, query=shown)], settings
    header = texts.LATEST_ON.format(query=shown)
    return render_page(header, page, settings, count, service.clock()), settings


async def query_ref(service: Service, query: str) -> str:
    """A short reference to the query for callback data (at most 64 bytes in all).

    A query too long to carry is kept in the store under its hash, so the buttons still
    work after a restart.
    """
    inline = callback_data.inline_ref(query)
    if inline is not None:
        return inline
    return callback_data.stored_ref(await service.button_ref(QUERY_REF, query))


async def query_from_ref(service: Service, ref: callback_data.QueryRef) -> str:
    """The query a button's reference stands for; a `UserError` when it is no longer kept."""
    if ref.inline is not None:
        return ref.inline
    return await service.button_value(QUERY_REF, ref.key or "")


async def topic_view(
    service: Service, chat_id: int, query_text: str, page_no: int
) -> tuple[list[str], InlineKeyboardMarkup, ChatSettings]:
    """Build one page of /topic with paging and Follow buttons, and the chat's settings."""
    query, page = await service.topic(query_text, page_no)
    settings = await service.settings(chat_id)
    ref = await query_ref(service, query.text)
    follow = [
        InlineKeyboardButton(str(texts.FOLLOW_BUTTON), callback_data=callback_data.follow(ref))
    ]
    shown = render.escape(query.text)
    if not page.stories:
        text = texts.TOPIC_NOTHING.format(days=TOPIC_WINDOW_DAYS, query=shown)
        return [text], InlineKeyboardMarkup([follow]), settings
    header = texts.TOPIC_HEADER.format(query=shown)
    messages = render_page(header, page, settings, TOPIC_PAGE, service.clock())
    row = paging_row(page, lambda p: callback_data.topic(p, ref))
    return messages, InlineKeyboardMarkup([row, follow] if row else [follow]), settings


START_FEEDS_NAMED = 5  # suggested feeds /start names; the rest are counted


def start_view(
    catalogue: tuple[CatalogueFeed, ...], chat_id: int
) -> tuple[str, InlineKeyboardMarkup]:
    """Build /start: the operator's suggested (default) feeds with a Subscribe button, and
    example topics as Follow buttons."""
    defaults = [f for f in catalogue if f.default]
    names = ", ".join(
        f"<b>{render.escape(f.title or f.name)}</b>" for f in defaults[:START_FEEDS_NAMED]
    )
    if len(defaults) > START_FEEDS_NAMED:
        names += texts.START_MORE_FEEDS.format(count=len(defaults) - START_FEEDS_NAMED)
    feeds = texts.START_FEEDS.format(names=names) if defaults else texts.START_NO_FEEDS
    rows = [
        [
            InlineKeyboardButton(
                texts.START_FOLLOW_BUTTON.format(topic=topic),
                callback_data=callback_data.follow(ref),
            )
            for topic in texts.START_TOPICS
            if (ref := callback_data.inline_ref(topic)) is not None
        ]
    ]
    if defaults:
        data = callback_data.defaults(chat_id)
        rows.insert(
            0, [InlineKeyboardButton(str(texts.START_SUBSCRIBE_BUTTON), callback_data=data)]
        )
    return texts.START.format(feeds=feeds), InlineKeyboardMarkup(rows)


def subscribed_defaults_text(names: list[str]) -> str:
    """Say which default feeds were added (after /subscribe or its button)."""
    return texts.SUBSCRIBED_DEFAULTS.format(
        count=len(names), names=render.escape(", ".join(names))
    )


def manage_view(chats: list[ChatSettings]) -> tuple[str, InlineKeyboardMarkup]:
    """Build /manage: a button per chat the user may manage, and one for the private chat."""
    rows = [
        [
            InlineKeyboardButton(
                button_label("{name}", chat.title or str(chat.chat_id)),
                callback_data=callback_data.manage(chat.chat_id),
            )
        ]
        for chat in chats
    ]
    rows.append(
        [InlineKeyboardButton(str(texts.MANAGE_THIS_CHAT), callback_data=callback_data.manage(0))]
    )
    return str(texts.MANAGE_PICK if chats else texts.MANAGE_NONE), InlineKeyboardMarkup(rows)


def topics_messages(
    topics: list[str], chat_id: int = 0, threads: dict[str, int] | None = None
) -> list[str]:
    """Build /topics: the followed topics, numbered (there is at least one), each with the
    forum topic it sends to when it was followed inside one."""
    threads = threads or {}
    lines = [
        f"{n}. <code>{render.escape(q)}</code>{thread_note(chat_id, threads.get(q))}"
        for n, q in enumerate(topics, 1)
    ]
    return join_lines([str(texts.TOPICS_HEADER), *lines])


def thread_note(chat_id: int, thread_id: int | None) -> str:
    """` · in a topic`, linked to that forum topic, or nothing for General and plain chats."""
    if thread_id is None:
        return ""
    internal = str(chat_id).removeprefix("-100")  # t.me/c/ links use the id without -100
    if not internal.isdigit() or internal == str(abs(chat_id)):
        return str(texts.IN_TOPIC_PLAIN)
    return texts.IN_TOPIC.format(url=f"https://t.me/c/{internal}/{thread_id}")


def digest_text(settings: ChatSettings) -> str:
    """Say how the chat now gets its stories (after /digest)."""
    times = settings.digest_times.replace(",", ", ") or "08:00"
    return texts.DIGEST_SET[settings.digest_mode].format(
        times=times, tz=render.escape(settings.timezone)
    )


def stats_text(counts: dict[str, int], failing: list[Feed]) -> str:
    """Build /stats: the bot-wide counts, then the failing feeds if any."""
    text = texts.STATS.format(**counts)
    if failing:
        lines = "\n".join(
            f"{render.escape(f.display_name)} — {render.escape(f.status)} "
            f"({f.consecutive_failures}×)"
            for f in failing
        )
        text += texts.FAILING_FEEDS.format(lines=lines)
    return text
