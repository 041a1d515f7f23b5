"""Use cases of filters: what a subscription lets through, and what a chat never gets.

A mixin of `bot.services.commands.Service` (it needs the service's store and clock). A filter
and a mute are topic queries, parsed and stored in their canonical spelling here; the matcher
(`bot.store.matching`) applies them to pushes and digests through the full-text index. They
never apply to /latest or /topic, which show everything.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot import texts
from bot.core.models import Feed
from bot.core.render import escape
from bot.core.topic_query import canonical, parse_topic_query
from bot.errors import UserError
from bot.store import chats as chat_queries
from bot.store import filters as filter_queries
from bot.store.engine import Store

OFF_WORDS = frozenset({"off", "none", "clear"})


class FilterCases:
    """Set and read per-feed filters and the chat's mute."""

    store: Store
    clock: Callable[[], datetime]

    async def subscription(self, chat_id: int, words: list[str]) -> tuple[Feed, list[str]]:
        """The chat's feed named by the first word(s): its number in /feeds, its catalogue
        name, its URL, or its shown name (which may have spaces); and the words after it."""
        feeds = await self.store.read(chat_queries.list_subscriptions, chat_id)
        if not words:
            raise UserError(texts.FILTER_USAGE)
        first = words[0].lower()
        if first.isdigit() and 1 <= int(first) <= len(feeds):
            return feeds[int(first) - 1], words[1:]
        for feed in feeds:
            if first in {(feed.name or "").lower(), feed.url.lower()}:
                return feed, words[1:]
        for size in range(len(words), 0, -1):  # the longest shown name that fits
            name = " ".join(words[:size]).lower()
            for feed in feeds:
                if feed.display_name.lower() == name:
                    return feed, words[size:]
        raise UserError(texts.NOT_SUBSCRIBED.format(name=escape(" ".join(words)[:200])))

    async def set_filter(self, chat_id: int, words: list[str]) -> tuple[Feed, str]:
        """`/filter <feed> <query>` (or `off`): the feed and its filter now ('' for none)."""
        feed, rest = await self.subscription(chat_id, words)
        if not rest:
            raise UserError(texts.FILTER_USAGE)
        if len(rest) == 1 and rest[0].lower() in OFF_WORDS:
            query = ""
        else:
            query = canonical(parse_topic_query(" ".join(rest)))
        await self.store.write(filter_queries.set_filter, chat_id, feed.id, query or None)
        return feed, query

    async def clear_filter(self, chat_id: int, feed_id: int) -> bool:
        """Push every story of the chat's feed again (a button); False if not subscribed."""
        return await self.store.write(filter_queries.set_filter, chat_id, feed_id, None)

    async def filters(self, chat_id: int) -> dict[int, str]:
        """The chat's filters by feed id."""
        return await self.store.read(filter_queries.subscription_filters, chat_id)

    async def set_mute(self, chat_id: int, text: str) -> str:
        """`/mute <query>` (or `off`): the chat's muted query now ('' for none)."""
        query = "" if text.strip().lower() in OFF_WORDS else canonical(parse_topic_query(text))
        await self.store.write(filter_queries.set_mute, chat_id, query, self.clock())
        return query
