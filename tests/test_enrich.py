"""Enrichment: page fetch, extraction, fallbacks and near-duplicates, on a real store."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, select

from bot.config import Config, FetchConfig, PollConfig
from bot.enrich import Enricher, choose_text, decode_html, find_original
from bot.http_fetch import HttpFetcher
from bot.ingest import Poller
from bot.store import feeds as feed_queries
from bot.store.engine import Store
from bot.store.schema import stories, story_sources
from bot.summarise import MAX_SENTENCES
from bot.summary_text import load_summary
from tests.support.feed_data import rss
from tests.support.feed_server import FeedServer, LoopbackOnlyResolver

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
ARTICLE = (Path(__file__).parent / "data" / "articles" / "budget.html").read_bytes()
CONFIG = Config(
    fetch=FetchConfig(allow_private_networks=True, read_timeout_s=1.0, total_timeout_s=3.0),
    poll=PollConfig(jitter_s=0, first_poll_items=10),
)


@dataclass
class Rig:
    """Store, fetcher, server."""

    store: Store
    fetcher: HttpFetcher
    server: FeedServer

    async def ingest(self, path: str, items: list[str], config: Config = CONFIG) -> None:
        self.server.add(path, rss(items, site=self.server.url_for("/articles")))
        url = self.server.url_for(path)
        feed_id = self.store.write_sync(feed_queries.add_feed, url, NOW, name=path)
        row = self.store.read_sync(feed_queries.feed_by_id, feed_id)
        await Poller(self.store, self.fetcher, config, rng=random.Random(0)).poll_feed(row, NOW)

    async def enrich(self, config: Config = CONFIG) -> int:
        return await Enricher(self.store, self.fetcher, config).enrich_pending(NOW)

    def stories(self) -> list[dict[str, Any]]:
        def query(conn: Connection) -> list[dict[str, Any]]:
            rows = conn.execute(select(stories).order_by(stories.c.id)).mappings()
            return [dict(row) for row in rows]

        return self.store.read_sync(query)


@pytest.fixture
def server(feed_server: FeedServer) -> FeedServer:
    return feed_server


@pytest.fixture
async def rig(db_url: str, server: FeedServer) -> AsyncIterator[Rig]:
    store = Store(db_url)
    store.upgrade()
    async with HttpFetcher(CONFIG.fetch, resolver=LoopbackOnlyResolver()) as fetcher:
        yield Rig(store, fetcher, server)
    store.close()


async def test_page_text_is_extracted_and_summarised(rig: Rig) -> None:
    rig.server.add("/articles/budget", ARTICLE, content_type="text/html; charset=utf-8")
    await rig.ingest("/f.xml", ["budget"])
    assert await rig.enrich() == 1
    (story,) = rig.stories()
    assert story["state"] == "ready"
    assert "201 votes to 180" in story["text"]
    assert "All rights reserved" not in story["text"]
    sentences, ranks = load_summary(story["summary"])
    assert 1 <= len(sentences) <= MAX_SENTENCES
    assert sorted(ranks) == list(range(len(ranks))), "ranks are the pick order"
    assert all(sentence in story["text"] for sentence in sentences)
    assert story["language"] == "en"
    assert story["keywords"]
    assert len(story["signature"]) == 16
    assert "parliament" in story["search_doc"]
    assert story["search_doc"] == story["search_doc"].lower()
    assert rig.server.headers_of("/articles/budget")[0]["accept"].startswith("text/html")
    assert await rig.enrich() == 0


async def test_failing_page_falls_back_to_the_teaser(rig: Rig) -> None:
    await rig.ingest("/f.xml", ["missing"])  # /articles/missing answers 404
    await rig.enrich()
    (story,) = rig.stories()
    assert story["state"] == "ready"
    assert story["text"] == "Teaser of missing."
    assert load_summary(story["summary"]) == (("Teaser of missing.",), (0,))


async def test_pages_are_not_fetched_when_switched_off(rig: Rig) -> None:
    rig.server.add("/articles/budget", ARTICLE, content_type="text/html")
    config = replace(CONFIG, fetch=replace(CONFIG.fetch, fetch_pages=False))
    await rig.ingest("/f.xml", ["budget"])
    await rig.enrich(config)
    assert rig.server.count("/articles/budget") == 0
    assert rig.stories()[0]["text"] == "Teaser of budget."


async def test_near_duplicate_story_is_marked_and_its_source_moves(rig: Rig) -> None:
    rig.server.add("/articles/budget", ARTICLE, content_type="text/html")
    copy = ARTICLE.replace(b"Example News", b"Other Daily").replace(b"early on", b"on")
    rig.server.add("/articles/budget-copy", copy, content_type="text/html")
    await rig.ingest("/one.xml", ["budget"])
    await rig.ingest("/two.xml", ["budget-copy"])
    assert await rig.enrich() == 2
    first, second = rig.stories()
    assert (first["state"], second["state"]) == ("ready", "duplicate")
    assert second["duplicate_of"] == first["id"]

    def carriers(conn: Connection) -> list[int]:
        query = select(story_sources.c.story_id).order_by(story_sources.c.feed_id)
        return list(conn.execute(query).scalars())

    assert rig.store.read_sync(carriers) == [first["id"], first["id"]]


async def test_non_html_page_is_ignored(rig: Rig) -> None:
    rig.server.add("/articles/pdf", b"%PDF-1.4 ...", content_type="application/pdf")
    await rig.ingest("/f.xml", ["pdf"])
    await rig.enrich()
    assert rig.stories()[0]["text"] == "Teaser of pdf."


def test_choose_text_prefers_page_then_content_then_teaser() -> None:
    long_page, long_content = "p" * 400, "c" * 400
    assert choose_text(long_page, long_content, "t") == (long_page, "page")
    assert choose_text("short", long_content, "t") == (long_content, "content")
    assert choose_text("", "", "teaser") == ("teaser", "teaser")
    assert choose_text("a bit longer page", "", "t") == ("a bit longer page", "page")


def test_find_original_skips_empty_and_self() -> None:
    sig = "0123456789abcdef"
    assert find_original("", [(1, sig)], 2) is None
    assert find_original(sig, [(2, sig)], 2) is None
    assert find_original(sig, [(1, "fedcba9876543210"), (3, sig)], 2) == 3


def test_decode_html_uses_the_named_charset_then_guesses() -> None:
    assert decode_html("café".encode("latin-1"), "text/html; charset=ISO-8859-1") == "café"
    assert decode_html("café".encode(), "text/html") == "café"
    assert decode_html("café".encode("cp1252"), "text/html; charset=bogus") == "café"
