"""Inline mode: `@botname syria` in any chat offers the matching stories as results.

Choosing one posts its story card (linked title, source, summary) in that chat, as the user,
"via @botname". An empty query offers the newest stories. Results come 20 a page, with
`next_offset` for the next page, cached briefly by Telegram; the card follows the summary
length and time zone of the user's private chat with the bot. Inline mode is switched on for
a bot with @BotFather's `/setinline`.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import (
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode

from bot import texts
from bot.clock import utcnow
from bot.core import render
from bot.core.models import ChatSettings
from bot.core.render import StoryView
from bot.core.schedule import chat_zone
from bot.errors import UserError
from bot.services.stories import StoryPage
from bot.tg.replies import Context

log = logging.getLogger(__name__)

CACHE_S = 30  # Telegram keeps an answer this long for the same query
ANSWER_WITHIN_S = 8.0  # Telegram drops answers after 10 s
MAX_PAGE = 1000
DESCRIPTION_CHARS = 160


def read_offset(offset: str) -> int | None:
    """The page an inline query's offset asks for; None for one we never gave out."""
    if not offset:
        return 0
    if not offset.isascii() or not offset.isdigit() or len(offset) > 4:
        return None
    page = int(offset)
    return page if page <= MAX_PAGE else None


def inline_results(page: StoryPage, settings: ChatSettings) -> list[InlineQueryResultArticle]:
    """One article per story: its card as the message, its source and summary as the line."""
    results = []
    previews = LinkPreviewOptions(is_disabled=not settings.link_previews)
    for story in page.stories:
        results.append(
            InlineQueryResultArticle(
                id=str(story.id),
                title=story.title[:200] or story.url[:200] or str(texts.UNTITLED),
                description=description(story),
                url=render.safe_url(story.url) or None,
                input_message_content=InputTextMessageContent(
                    card(story, settings),
                    parse_mode=ParseMode.HTML,
                    link_preview_options=previews,
                ),
            )
        )
    return results


def description(story: StoryView) -> str:
    """`Source · first summary sentence`, cut at a word to fit one or two lines."""
    parts = [*story.sources[:1], *(story.summary[:1] or ())]
    text = " · ".join(p for p in parts if p)
    if len(text) <= DESCRIPTION_CHARS:
        return text
    return text[: DESCRIPTION_CHARS - 1].rsplit(" ", 1)[0] + "…"


def card(story: StoryView, settings: ChatSettings) -> str:
    """The story as it is posted in the chat: the same card a push shows."""
    text = render.render_story(
        story,
        sentences=max(settings.summary_sentences, 1),
        now=utcnow(),
        tz=chat_zone(settings.timezone),
    )
    return render.split_messages([text])[0]


async def inline_query(update: Update, context: Context) -> None:
    """Answer an inline query with a page of stories (or none, with a hint, for a bad one)."""
    query = update.inline_query
    if query is None:
        return
    page_no = read_offset(query.offset)
    if page_no is None:
        await query.answer([], cache_time=CACHE_S)
        return
    try:
        async with asyncio.timeout(ANSWER_WITHIN_S):
            page = await context.service.inline(query.query[:256], page_no)
            settings = await context.service.settings(query.from_user.id)
    except UserError:
        hint = InlineQueryResultsButton(str(texts.INLINE_HOW), start_parameter="inline")
        await query.answer([], cache_time=CACHE_S, button=hint)
        return
    except TimeoutError:
        log.warning("inline query %r not answered in time", query.query[:80])
        return
    await query.answer(
        inline_results(page, settings),
        cache_time=CACHE_S,
        is_personal=True,  # the cards follow this user's summary length and time zone
        next_offset=str(page_no + 1) if page.has_next else "",
    )
