"""Use cases of reading stories: /latest, /topic, inline search and a digest drawn again.

A mixin of `bot.services.commands.Service` (it needs the service's store, config and clock).
Every read shows what the store holds, unfiltered: a chat's filters and mute decide only what
is pushed to it (`bot.store.matching`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import texts
from bot.config import Config
from bot.core.render import StoryView
from bot.core.topic_query import TopicQuery, parse_topic_query
from bot.errors import UserError
from bot.store import chats as chat_queries
from bot.store import compose, refs
from bot.store import search as search_queries
from bot.store.engine import Store

LATEST_DEFAULT = 5
LATEST_MAX = 20
TOPIC_PAGE = 5
INLINE_PAGE = 20  # inline results a page (Telegram shows up to 50)
TOPIC_WINDOW_DAYS = 7


@dataclass(frozen=True)
class StoryPage:
    """One page of stories for /latest or /topic."""

    stories: list[StoryView]
    page: int
    has_next: bool
    all_feeds: bool = False


class StoryCases:
    """Read stories for a chat."""

    store: Store
    config: Config
    clock: Callable[[], datetime]

    async def latest(self, chat_id: int, count: int, page: int = 0) -> StoryPage:
        """Newest stories of the chat's feeds (all feeds when it has none), `count` a page."""
        feed_ids = await self.store.read(chat_queries.subscribed_feed_ids, chat_id)
        scope = feed_ids or None
        rows = await self.store.read(search_queries.latest_stories, scope, count + 1, page * count)
        return self._page(rows, count, page, all_feeds=scope is None)

    async def digest_message(
        self, chat_id: int, message_id: int, *, full: bool, sent_at: datetime
    ) -> list[str] | None:
        """A digest message this chat got, drawn again: its full summaries (pages) or its
        compact list; None when that message was not one."""
        return await self.store.read(
            compose.digest_message,
            chat_id,
            message_id,
            full=full,
            sent_at=sent_at,
            config=self.config.delivery,
        )

    async def latest_on(
        self, chat_id: int, count: int, query_text: str
    ) -> tuple[TopicQuery, StoryPage]:
        """`/latest 5 syria`: the newest `count` stories on a topic from the chat's feeds
        (every feed when it has none), within the topic search's window."""
        query = parse_topic_query(query_text)
        feed_ids = await self.store.read(chat_queries.subscribed_feed_ids, chat_id)
        since = self.clock() - timedelta(days=TOPIC_WINDOW_DAYS)
        rows = await self.store.read(
            search_queries.search_stories,
            query,
            since,
            count,
            feed_ids=feed_ids or None,
            newest=True,
        )
        return query, self._page(rows, count, 0, all_feeds=not feed_ids)

    async def topic(self, query_text: str, page: int = 0) -> tuple[TopicQuery, StoryPage]:
        """Stories from every feed matching the query, best first, within the last days."""
        query = parse_topic_query(query_text)
        since = self.clock() - timedelta(days=TOPIC_WINDOW_DAYS)
        rows = await self.store.read(
            search_queries.search_stories, query, since, TOPIC_PAGE + 1, page * TOPIC_PAGE
        )
        return query, self._page(rows, TOPIC_PAGE, page)

    async def inline(self, query_text: str, page: int = 0) -> StoryPage:
        """Stories for inline mode (`@bot syria` in any chat), `INLINE_PAGE` a page: the
        /topic search, or the newest stories of every feed when the query is empty."""
        if not query_text.strip():
            rows = await self.store.read(
                search_queries.latest_stories, None, INLINE_PAGE + 1, page * INLINE_PAGE
            )
            return self._page(rows, INLINE_PAGE, page, all_feeds=True)
        query = parse_topic_query(query_text)
        since = self.clock() - timedelta(days=TOPIC_WINDOW_DAYS)
        rows = await self.store.read(
            search_queries.search_stories, query, since, INLINE_PAGE + 1, page * INLINE_PAGE
        )
        return self._page(rows, INLINE_PAGE, page)

    async def button_ref(self, kind: str, value: str) -> str:
        """A 16-character key for `value` (a topic query, a feed URL) that buttons can carry."""
        key = hashlib.sha256(value.encode()).hexdigest()[:16]
        await self.store.write(refs.remember, kind, key, value)
        return key

    async def button_value(self, kind: str, key: str) -> str:
        """The value behind a button's key; a `UserError` when the store has none."""
        value = await self.store.read(refs.recall, kind, key)
        if value is None:
            raise UserError(texts.BUTTON_EXPIRED)
        return value

    @staticmethod
    def _page(
        views: list[StoryView], size: int, page: int, *, all_feeds: bool = False
    ) -> StoryPage:
        return StoryPage(views[:size], page, len(views) > size, all_feeds)
