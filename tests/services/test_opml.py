"""OPML import and export use cases on a real store (SQLite and PostgreSQL) and feed server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest

from bot import texts
from bot.config import CatalogueFeed, Config, FetchConfig, TelegramConfig
from bot.core.opml import Outline, parse_opml, render_opml
from bot.net.fetcher import HttpFetcher
from bot.services.commands import FETCH_BURST, Service
from bot.services.opml import export_opml, import_opml
from bot.store import chats as chat_queries
from bot.store import feeds as feed_queries
from bot.store.engine import Store
from tests.support.feed_server import FeedServer

NOW = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
CHAT = 42
UNTITLED = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title></title>'
    b"<item><title>Hi</title><link>https://quiet.example/1</link></item></channel></rss>"
)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    """Feeds on 127.0.0.1."""
    with FeedServer() as feeds:
        feeds.add("/quiet.xml", UNTITLED, content_type="application/rss+xml")
        yield feeds


@pytest.fixture
async def service(store: Store, server: FeedServer) -> AsyncIterator[Service]:
    """The use cases over the store, fetching from the feed server; "Tech" is catalogued."""
    config = Config(
        telegram=TelegramConfig(max_feeds_per_chat=5),
        fetch=FetchConfig(allow_private_networks=True, connect_timeout_s=2, read_timeout_s=2),
        feeds=(CatalogueFeed(url=server.url_for("/feeds/rss091.xml"), name="Tech"),),
    )
    await store.write(feed_queries.sync_catalogue, config.feeds, NOW)
    await store.write(chat_queries.register_chat, CHAT, "private", "", NOW, activate=True)
    async with HttpFetcher(config.fetch) as fetcher:
        yield Service(store, fetcher, config, clock=lambda: NOW)


def _file(server: FeedServer, *outlines: tuple[str, str]) -> bytes:
    return render_opml(Outline(server.url_for(path), title) for path, title in outlines).encode()


async def test_an_import_subscribes_each_feed_and_a_second_one_adds_nothing(
    service: Service, server: FeedServer
) -> None:
    data = _file(
        server,
        ("/feeds/rss20.xml", "My news"),  # has a title of its own: keeps it
        ("/feeds/rss091.xml", "Renamed"),  # a catalogue feed: keeps its name
        ("/quiet.xml", "My quiet blog"),  # untitled: the file's title is kept
        ("/status/500", "Broken"),
    )
    report = await import_opml(service, CHAT, data, user_id=7)
    assert (report.imported, report.existing) == (3, 0)
    [(url, reason)] = report.failed
    assert url == server.url_for("/status/500")
    assert reason.startswith("unreachable: ")
    document, count = await export_opml(service, CHAT)
    assert count == 3
    assert {(o.url, o.title) for o in parse_opml(document.encode())} == {
        (server.url_for("/feeds/rss20.xml"), "Example News"),
        (server.url_for("/feeds/rss091.xml"), "Tech"),
        (server.url_for("/quiet.xml"), "My quiet blog"),
    }
    again = await import_opml(service, CHAT, document.encode(), user_id=7)
    assert (again.imported, again.existing, again.failed) == (0, 3, [])


async def test_an_import_has_its_own_fetch_budget(service: Service, server: FeedServer) -> None:
    for _ in range(FETCH_BURST):  # the commands' budget is spent...
        assert service.fetch_limiter.allow(7, NOW.timestamp())
    report = await import_opml(service, CHAT, _file(server, ("/feeds/rss20.xml", "")), 7)
    assert report.imported == 1  # ...the import's is not


async def test_an_import_out_of_time_tries_nothing_more(
    service: Service, server: FeedServer
) -> None:
    data = _file(server, ("/feeds/rss20.xml", ""), ("/feeds/atom10.xml", ""))
    report = await import_opml(service, CHAT, data, 7, time_budget_s=0)
    assert report.failed == [
        (server.url_for("/feeds/rss20.xml"), str(texts.WHY_OUT_OF_TIME)),
        (server.url_for("/feeds/atom10.xml"), str(texts.WHY_OUT_OF_TIME)),
    ]
    assert server.count("/feeds/rss20.xml") == 0
    assert await export_opml(service, CHAT) == (render_opml([]), 0)
