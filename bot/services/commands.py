"""The bot's use cases, called by the Telegram handlers (and nothing Telegram-specific here).

Every method takes the chat id it acts for; expected problems raise `UserError` whose text
(Telegram HTML, from `bot.texts`) the handler sends as the reply.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import texts
from bot.clock import utcnow
from bot.config import CatalogueFeed, Config
from bot.core.feeds import ParsedFeed, canonical_url, parse_feed
from bot.core.models import ChatSettings, Feed, Removal, RemovedChat
from bot.core.ratelimit import RateLimiter
from bot.core.render import escape
from bot.core.topic_query import canonical, parse_topic_query
from bot.core.undo import UndoBook
from bot.core.user_input import looks_like_url, normalise_url, shown_url
from bot.errors import (
    AlreadySubscribedError,
    BlockedAddressError,
    FeedError,
    FeedLimitError,
    FetchError,
    UserError,
)
from bot.services.filters import FilterCases
from bot.services.ports import Fetcher
from bot.services.settings import ChatSettingsCases
from bot.services.stories import StoryCases
from bot.store import chats as chat_queries
from bot.store import feeds as feed_queries
from bot.store import stats as stats_queries
from bot.store.engine import Store

log = logging.getLogger(__name__)

# Fetches one user may make the bot do from commands: a burst of 10, then one each 30 s.
FETCH_BURST = 10
MANAGE_CANDIDATES = 20  # chats /manage checks with Telegram, newest first
FETCH_REFILL_PER_S = 1 / 30
# Fetches one user may make the bot do by importing OPML files: 200 (a file's worth), refilled
# over an hour, apart from the commands' budget so that one import does not exhaust it.
IMPORT_FETCH_BURST = 200
IMPORT_REFILL_PER_S = 200 / 3600
UNDO_WINDOW = timedelta(minutes=1)  # how long a confirmed removal can be undone


@dataclass(frozen=True)
class FeedInfo:
    """A chat's feed with its health."""

    id: int
    name: str
    url: str
    status: str
    thread_id: int | None = None  # the forum topic its stories go to
    filter: str = ""  # the topic query its stories must match to be pushed; "" all


class Service(ChatSettingsCases, FilterCases, StoryCases):
    """Use cases of the chat-facing bot, over the store and the fetcher (a chat's settings:
    `bot.services.settings`; filters: `bot.services.filters`; reading stories:
    `bot.services.stories`)."""

    def __init__(
        self,
        store: Store,
        fetcher: Fetcher | None,
        config: Config,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.store = store
        self.fetcher = fetcher
        self.config = config
        self.clock = clock
        self.fetch_limiter = RateLimiter(FETCH_BURST, FETCH_REFILL_PER_S)
        self.import_limiter = RateLimiter(IMPORT_FETCH_BURST, IMPORT_REFILL_PER_S)
        self.undo_book = UndoBook(UNDO_WINDOW)  # in memory: see bot.core.undo for why

    # Chats and settings

    async def register_chat(
        self,
        chat_id: int,
        kind: str,
        title: str,
        *,
        activate: bool,
        added_by: int | None = None,
    ) -> None:
        """Record the chat (on /start with `activate`, on any message, and when the bot is
        added: `added_by` is who added it, told when it can be managed or is removed)."""
        now = self.clock()
        await self.store.write(
            chat_queries.register_chat,
            chat_id,
            kind,
            title,
            now,
            activate=activate,
            summary_sentences=self.config.summary.sentences,
            added_by=added_by,
        )

    async def remove_chat(self, chat_id: int, reason: str) -> RemovedChat:
        """The bot was removed from the chat, blocked, or may no longer post there: the chat
        is inactive and its pending deliveries are cancelled (counted, and logged here)."""
        removed = await self.store.write(chat_queries.remove_chat, chat_id, self.clock(), reason)
        if removed.was_active:
            log.info(
                "chat %s is inactive (%s); %d pending deliveries cancelled",
                chat_id,
                reason,
                removed.cancelled,
            )
        return removed

    # Chats managed from a private chat

    async def managed_chat(self, user_id: int) -> ChatSettings | None:
        """The group or channel `user_id` manages from their private chat, if any."""
        return await self.store.read(chat_queries.managed_chat, user_id)

    async def set_managed_chat(self, user_id: int, chat_id: int | None) -> None:
        """Manage `chat_id` from `user_id`'s private chat (None: the private chat again)."""
        await self.store.write(chat_queries.set_manager, user_id, chat_id, self.clock())

    async def manage_candidates(self, user_id: int) -> list[ChatSettings]:
        """Groups and channels `user_id` added the bot to or manages (rights not checked)."""
        return await self.store.read(chat_queries.manage_candidates, user_id, MANAGE_CANDIDATES)

    async def store_chat(self, chat_id: int) -> ChatSettings | None:
        """The chat as the store knows it, or None for a chat never seen."""
        return await self.store.read(chat_queries.get_chat, chat_id)

    # Subscriptions

    def _catalogue_names(self) -> str:
        names = ", ".join(escape(f.name) for f in self.config.feeds)
        return f" ({names})" if names else ""

    def catalogue(self, name: str) -> CatalogueFeed | None:
        """The catalogue feed of this name (case-insensitive), if any."""
        wanted = name.strip().lower()
        return next((f for f in self.config.feeds if f.name.lower() == wanted), None)

    async def subscribe_defaults(self, chat_id: int, thread_id: int | None = None) -> list[str]:
        """Subscribe to the operator's default feeds; the names newly added.

        `thread_id` here and below: the forum topic the command came from, where the stories
        will go.
        """
        defaults = [f for f in self.config.feeds if f.default]
        if not defaults:
            raise UserError(texts.SUBSCRIBE_NO_DEFAULTS)
        added = []
        for feed in defaults:
            feed_id = await self.store.write(
                feed_queries.add_feed,
                feed.url,
                self.clock(),
                name=feed.name,
                is_default=feed.default,
            )
            if await self._add(chat_id, feed_id, feed.name, thread_id, quiet=True):
                added.append(feed.name)
        if not added:
            raise UserError(texts.ALREADY_DEFAULTS)
        return added

    async def subscribe(
        self,
        chat_id: int,
        value: str,
        user_id: int | None = None,
        thread_id: int | None = None,
    ) -> str:
        """Subscribe to a catalogue name, a feed URL, or a page that links to a feed; its title.

        Every fetch this makes counts against `user_id`'s (else the chat's) fetch budget.
        """
        return (await self.subscribe_feed(chat_id, value, user_id, thread_id))[1]

    async def subscribe_feed(
        self,
        chat_id: int,
        value: str,
        user_id: int | None = None,
        thread_id: int | None = None,
        *,
        limiter: RateLimiter | None = None,
    ) -> tuple[int, str]:
        """`subscribe`, giving (feed id, title); its fetches count against `limiter` (the
        commands' fetch budget unless given: an OPML import has its own)."""
        catalogued = self.catalogue(value)
        if catalogued is not None:
            feed_id = await self.store.write(
                feed_queries.add_feed,
                catalogued.url,
                self.clock(),
                name=catalogued.name,
                is_default=catalogued.default,
            )
            await self._add(chat_id, feed_id, catalogued.name, thread_id)
            return feed_id, catalogued.name
        if not looks_like_url(value):
            raise UserError(
                texts.NOT_A_URL.format(names=self._catalogue_names()), reason=texts.WHY_NOT_A_URL
            )
        url = normalise_url(value)
        known = await self.store.read(feed_queries.feed_by_url, url)
        if known is None:
            url = canonical_url(url)
            known = await self.store.read(feed_queries.feed_by_url, url)
        if known is not None:
            await self._add(chat_id, known.id, known.display_name, thread_id)
            return known.id, known.display_name
        await self._check_room(chat_id)  # before fetching: a full chat gets nothing new
        limiter = limiter or self.fetch_limiter
        feed_url, title, site = await self._discover(url, user_id or chat_id, limiter)
        feed_id = await self.store.write(
            chat_queries.add_discovered_feed, feed_url, title, site, self.clock()
        )
        await self._add(chat_id, feed_id, title or feed_url, thread_id)
        return feed_id, title or feed_url

    async def _check_room(self, chat_id: int) -> None:
        limit = self.config.telegram.max_feeds_per_chat
        if await self.store.read(chat_queries.count_subscriptions, chat_id) >= limit:
            raise self._limit_error()

    def _limit_error(self) -> FeedLimitError:
        limit = self.config.telegram.max_feeds_per_chat
        return FeedLimitError(
            texts.FEED_LIMIT.format(limit=limit), reason=texts.WHY_LIMIT.format(limit=limit)
        )

    async def _add(
        self, chat_id: int, feed_id: int, name: str, thread_id: int | None, *, quiet: bool = False
    ) -> bool:
        limit = self.config.telegram.max_feeds_per_chat
        result = await self.store.write(
            chat_queries.add_subscription, chat_id, feed_id, limit, self.clock(), thread_id
        )
        if result == "limit":
            raise self._limit_error()
        if result == "exists" and not quiet:
            raise AlreadySubscribedError(texts.ALREADY_SUBSCRIBED.format(title=escape(name)))
        if result == "added":  # a dead feed is polled again once someone wants it
            await self.store.write(feed_queries.revive_if_unhealthy, feed_id, self.clock())
        return result == "added"

    async def _discover(
        self, url: str, requester: int, limiter: RateLimiter
    ) -> tuple[str, str, str]:
        """Fetch `url`; follow a page's alternate feed link once; (feed URL, title, site)."""
        parsed, final_url = await self._fetch_parsed(url, requester, limiter)
        if not parsed.is_feed and parsed.alternate_feeds:
            feed_link = parsed.alternate_feeds[0]
            parsed, final_url = await self._fetch_parsed(feed_link, requester, limiter)
        if not parsed.is_feed:
            raise self._not_a_feed(url)
        return canonical_url(final_url), parsed.title, parsed.site_url

    @staticmethod
    def _not_a_feed(url: str) -> UserError:
        return UserError(texts.NOT_A_FEED.format(url=shown_url(url)), reason=texts.WHY_NOT_A_FEED)

    async def _fetch_parsed(
        self, url: str, requester: int, limiter: RateLimiter
    ) -> tuple[ParsedFeed, str]:
        if self.fetcher is None:
            raise UserError(
                texts.FETCH_FAILED.format(url=shown_url(url), reason="no fetcher"),
                reason=texts.WHY_UNREACHABLE.format(reason="no fetcher"),
            )
        now = self.clock().timestamp()
        if not limiter.allow(requester, now):
            wait = math.ceil(limiter.retry_after_s(requester, now))
            raise UserError(
                texts.TOO_MANY_FETCHES.format(seconds=wait),
                reason=texts.WHY_TOO_MANY_FETCHES.format(seconds=wait),
            )
        try:
            result = await self.fetcher.fetch(url)
        except FetchError as exc:
            reason = escape(str(exc))
            why = texts.WHY_BLOCKED if isinstance(exc, BlockedAddressError) else None
            raise UserError(
                texts.FETCH_FAILED.format(url=shown_url(url), reason=reason),
                reason=why or texts.WHY_UNREACHABLE.format(reason=reason),
            ) from None
        try:  # in a thread: a 5 MB feed must not hold the event loop
            return await asyncio.to_thread(parse_feed, result.body, result.url), str(result.url)
        except FeedError:
            raise self._not_a_feed(url) from None

    async def unsubscribe(self, chat_id: int, value: str) -> str:
        """Unsubscribe from one feed by name, URL or id; its name. (`all` asks first: see
        `remove_feeds`.)"""
        feeds = await self.list_feeds(chat_id)
        wanted = value.strip().lower()
        for feed in feeds:
            if wanted in {feed.name.lower(), feed.url.lower(), str(feed.id)}:
                await self.store.write(chat_queries.remove_subscription, chat_id, feed.id)
                return feed.name
        raise UserError(texts.NOT_SUBSCRIBED.format(name=escape(value[:200])))

    # Confirmed removals, undoable for a minute

    async def remove_feeds(self, chat_id: int, feed_id: int | None = None) -> tuple[int, str]:
        """Unsubscribe from one feed (None: from all), once confirmed; (how many, the token
        of its undo)."""
        kept = await self.store.write(chat_queries.take_subscriptions, chat_id, feed_id)
        if not kept:
            raise UserError(texts.NOTHING_TO_REMOVE)
        removal = Removal(chat_id, self.clock(), feeds=tuple(kept))
        return len(kept), self.undo_book.keep(removal)

    async def remove_topics(self, chat_id: int) -> tuple[int, str]:
        """Stop following every topic, once confirmed; (how many, the token of its undo)."""
        kept = await self.store.write(chat_queries.take_topics, chat_id)
        if not kept:
            raise UserError(texts.NOTHING_TO_REMOVE)
        return len(kept), self.undo_book.keep(Removal(chat_id, self.clock(), topics=tuple(kept)))

    async def undo(self, chat_id: int, token: str) -> tuple[Removal, int]:
        """Put back what the removal under `token` took, when asked within `UNDO_WINDOW` of
        it (by this service's clock, now); (the removal, how many came back)."""
        removal = self.undo_book.take(token, chat_id, self.clock())
        if removal is None:
            raise UserError(texts.UNDO_EXPIRED)
        limits = self.config.telegram
        restored = await self.store.write(
            chat_queries.restore_removal,
            removal,
            limits.max_feeds_per_chat,
            limits.max_topics_per_chat,
        )
        return removal, restored

    async def list_feeds(self, chat_id: int) -> list[FeedInfo]:
        """The chat's feeds with their health."""
        rows = await self.store.read(chat_queries.list_subscriptions, chat_id)
        threads = await self.store.read(chat_queries.subscription_threads, chat_id)
        filters = await self.filters(chat_id)
        return [
            FeedInfo(
                r.id, r.display_name, r.url, r.status, threads.get(r.id), filters.get(r.id, "")
            )
            for r in rows
        ]

    # Topics

    async def follow(self, chat_id: int, query_text: str, thread_id: int | None = None) -> str:
        """Follow a topic (its stories go to forum topic `thread_id`); its canonical spelling."""
        query = canonical(parse_topic_query(query_text))
        limit = self.config.telegram.max_topics_per_chat
        result = await self.store.write(
            chat_queries.add_topic, chat_id, query, limit, self.clock(), thread_id
        )
        if result == "limit":
            raise UserError(texts.TOPIC_LIMIT.format(limit=limit))
        if result == "exists":
            raise UserError(texts.ALREADY_FOLLOWING.format(query=escape(query)))
        return query

    async def unfollow(self, chat_id: int, query_text: str) -> str:
        """Stop following one topic; its canonical spelling. (`all` asks first: see
        `remove_topics`.)"""
        query = canonical(parse_topic_query(query_text))
        if not await self.store.write(chat_queries.remove_topic, chat_id, query):
            raise UserError(texts.NOT_FOLLOWING.format(query=escape(query)))
        return query

    async def topics(self, chat_id: int) -> list[str]:
        """The topics the chat follows."""
        return await self.store.read(chat_queries.list_topics, chat_id)

    async def topic_threads(self, chat_id: int) -> dict[str, int]:
        """The forum topic each followed topic sends to, for those followed inside one."""
        return await self.store.read(chat_queries.topic_threads, chat_id)

    # Admin

    def is_bot_admin(self, user_id: int | None) -> bool:
        """True for users listed in `telegram.admins`."""
        return user_id is not None and user_id in self.config.telegram.admins

    async def stats(self) -> tuple[dict[str, int], list[Feed]]:
        """Bot-wide counts and the failing feeds."""
        counts = await self.store.read(stats_queries.stats)
        failing = await self.store.read(stats_queries.failing_feeds)
        return counts, failing
