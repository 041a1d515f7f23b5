"""The real Application against the Bot API stand-in, driven by updates (for tests/tg/).

`running_bot` builds it as the running bot does, on an empty SQLite store; `Bot` feeds it
updates with `application.process_update()` and reads the replies back from the stand-in.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert
from telegram import Update
from telegram.ext import Application

from bot.app import build_application
from bot.clock import utcnow
from bot.config import (
    CatalogueFeed,
    Config,
    DeliveryConfig,
    FetchConfig,
    StorageConfig,
    TelegramConfig,
)
from bot.core.render import to_plain
from bot.core.text.summary_text import store_summary
from bot.net.fetcher import HttpFetcher
from bot.services.delivery import Dispatcher
from bot.store.engine import Store
from bot.store.feeds import feed_by_url
from bot.store.schema import stories, story_sources
from bot.tg.sender import TelegramSender
from tests.support.databases import sqlite_url
from tests.support.feed_server import FeedServer
from tests.support.tg_api import BotApiStandIn
from tests.support.tg_updates import (
    BOT_TOKEN,
    USER_ID,
    callback_query_update,
    command_update,
    message_update,
)

PRIVATE = USER_ID  # a private chat's id is its user's id


@dataclass
class Bot:
    """The application under test, its stand-in and store."""

    app: Application[Any, Any, Any, Any, Any, Any]
    api: BotApiStandIn
    store: Store
    feeds: FeedServer
    config: Config
    update_id: int = 0

    async def feed(self, update: dict[str, Any]) -> None:
        """Process one update dict as if Telegram had sent it."""
        self.update_id += 1
        update.setdefault("update_id", self.update_id)
        await self.app.process_update(Update.de_json(update, self.app.bot))

    async def command(
        self, name: str, args: str = "", *, chat: int = PRIVATE, user: int = USER_ID, **kw: Any
    ) -> list[dict[str, Any]]:
        """Send `/name args` in `chat` from `user`; the messages the bot sent in reply."""
        before = len(self.api.sent_messages(chat))
        await self.feed(command_update(name, args, chat_id=chat, user_id=user, **kw))
        return self.api.sent_messages(chat)[before:]

    async def say(self, text: str, *, chat: int = PRIVATE) -> list[dict[str, Any]]:
        """Send plain text (no command) in `chat`; the messages the bot sent in reply."""
        before = len(self.api.sent_messages(chat))
        await self.feed(message_update(text, chat_id=chat))
        return self.api.sent_messages(chat)[before:]

    async def text(self, name: str, args: str = "", **kw: Any) -> str:
        """The plain text of the single reply to a command."""
        [reply] = await self.command(name, args, **kw)
        return str(reply["plain_text"])

    async def press(
        self, data: str, message: dict[str, Any], *, user: int = USER_ID
    ) -> list[dict[str, Any]]:
        """Press a button of `message` (a sent message); new messages sent after it."""
        chat = message["chat_id"]
        before = len(self.api.sent_messages(chat))
        await self.feed(
            callback_query_update(
                data,
                chat_id=chat,
                user_id=user,
                message_id=message["message_id"],
                message_text=message["plain_text"],
            )
        )
        return self.api.sent_messages(chat)[before:]

    def current(self, message: dict[str, Any]) -> dict[str, Any]:
        """The message as it is now, after edits."""
        found = self.api.message(message["chat_id"], message["message_id"])
        assert found is not None
        return found


def buttons(message: dict[str, Any]) -> dict[str, str]:
    """Button text → callback data of a message's inline keyboard."""
    markup = message.get("reply_markup") or {}
    return {
        b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row
    }


@contextlib.asynccontextmanager
async def running_bot(
    api: BotApiStandIn,
    feed_server: FeedServer,
    tmp_path: Path,
    *,
    guarded: bool = False,
    feeds: tuple[CatalogueFeed, ...] | None = None,
    clock: Callable[[], datetime] = utcnow,
    **telegram: Any,
) -> AsyncIterator[Bot]:
    """The real Application against the stand-in, with an empty store.

    `guarded` turns the address guard on (as deployed); tests then reach no loopback server.
    `feeds` replaces the two-feed test catalogue; other keywords are `[telegram]` settings
    (e.g. `allowed_users`). `clock` is the handlers' clock (a `SetClock` to move it).
    """
    config = Config(
        telegram=TelegramConfig(
            token=BOT_TOKEN,
            api_url=api.base_url,
            admins=(USER_ID,),
            **({"max_feeds_per_chat": 3, "max_topics_per_chat": 2} | telegram),
        ),
        storage=StorageConfig(url=sqlite_url(tmp_path)),
        fetch=FetchConfig(
            allow_private_networks=not guarded, connect_timeout_s=2, read_timeout_s=2
        ),
        feeds=feeds
        if feeds is not None
        else (
            CatalogueFeed(
                url=feed_server.url_for("/feeds/atom10.xml"), name="World", default=True
            ),
            CatalogueFeed(url=feed_server.url_for("/feeds/rss091.xml"), name="Tech"),
        ),
    )
    store = Store(config.storage.url)
    store.upgrade()
    app = build_application(config, store, HttpFetcher(config.fetch), clock=clock)
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    yield Bot(app, api, store, feed_server, config)
    await app.shutdown()
    assert app.post_shutdown is not None
    await app.post_shutdown(app)


class SetClock:
    """A clock that stands still until the test moves it (starts at the real time)."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock on."""
        self.now += timedelta(seconds=seconds)


FAST = DeliveryConfig(global_per_s=100, group_per_min=600, instant_window_s=0, retry_base_s=0.1)
_keys = count(1)


def catalogue_feed_id(bot: Bot, name: str) -> int:
    """The id of the catalogue feed named `name` (synced into the store at start)."""
    url = next(f.url for f in bot.config.feeds if f.name == name)
    feed = bot.store.read_sync(feed_by_url, url)
    assert feed is not None
    return feed.id


def fresh_story(bot: Bot, title: str, feed_id: int, summary: tuple[str, ...] = ()) -> None:
    """A ready story the feed brought just now (after the subscriptions were made), with
    `summary` as its sentences in pick order."""
    key = f"forum-{next(_keys)}"
    seen = datetime.now(UTC) + timedelta(seconds=1)

    def write(conn: Connection) -> None:
        story = conn.execute(
            insert(stories)
            .values(
                key=key,
                feed_id=feed_id,
                url=f"https://news.example/{key}",
                title=title,
                summary=store_summary(summary, tuple(range(len(summary)))),
                search_doc=title.lower(),
                state="ready",
                created_at=seen,
                updated_at=seen,
            )
            .returning(stories.c.id)
        ).scalar_one()
        conn.execute(
            insert(story_sources).values(
                feed_id=feed_id, item_key=key, story_id=story, first_seen_at=seen
            )
        )

    bot.store.write_sync(write)


async def deliver(
    bot: Bot, chat_id: int, at: datetime | None = None
) -> dict[int | None, list[str]]:
    """Match and send what is due `at` (default: in 5 s) with the real Dispatcher and
    sender; the chat's new messages as text, by forum topic (None: General or the chat)."""
    before = len(bot.api.sent_messages(chat_id))
    dispatcher = Dispatcher(bot.store, TelegramSender(bot.app.bot), FAST)
    now = at or datetime.now(UTC) + timedelta(seconds=5)
    await dispatcher.match_ready(now)
    await dispatcher.send_due(now)
    by_thread: dict[int | None, list[str]] = {}
    for message in bot.api.sent_messages(chat_id)[before:]:
        by_thread.setdefault(message["message_thread_id"], []).append(to_plain(message["text"]))
    return by_thread
