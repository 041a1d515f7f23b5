"""A newcomer's first run on the starter catalogue, through real PTB.

The catalogue's URLs are data and are never fetched: the test serves a loopback copy of each
starter feed (same names, titles and defaults, URLs on 127.0.0.1) and loads it the way an
operator would, with `[catalogue] file`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import load_config, starter_catalogue
from bot.net.fetcher import HttpFetcher
from bot.proc.workers import ProcessWorkers
from bot.services.enrich import Enricher
from bot.services.polling import Poller
from tests.support.feed_data import rss
from tests.support.feed_server import FeedServer
from tests.support.tg_api import BotApiStandIn
from tests.support.tg_bot import Bot, running_bot


def _loopback_copy(server: FeedServer, tmp_path: Path) -> Path:
    """Serve one story per starter feed on 127.0.0.1; a catalogue file pointing there."""
    lines = []
    for feed in starter_catalogue():
        path = f"/starter/{feed.name}.xml"
        site = server.url_for(f"/starter/{feed.name}")
        body = "Envoys from Syria met in Geneva." if feed.name == "bbc-world" else ""
        recent = datetime.now(UTC) - timedelta(hours=1)  # the bot reads the wall clock
        lead = [f"{feed.name}-lead"]
        server.add(path, rss(lead, title=feed.title, site=site, body=body, newest=recent))
        lines += [
            "[[feeds]]",
            f'name = "{feed.name}"',
            f'title = "{feed.title}"',
            f'url = "{server.url_for(path)}"',
            f'language = "{feed.language}"',
            f"default = {'true' if feed.default else 'false'}",
        ]
    copy = tmp_path / "starter-copy.toml"
    copy.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return copy


@pytest.fixture
async def newcomer(
    api: BotApiStandIn, feed_server: FeedServer, tmp_path: Path
) -> AsyncIterator[Bot]:
    copy = _loopback_copy(feed_server, tmp_path)
    config = load_config(f'[catalogue]\nfile = "{copy}"\n', {})  # no [[feeds]] of its own
    async with running_bot(
        api, feed_server, tmp_path, feeds=config.feeds, max_feeds_per_chat=50
    ) as bot:
        yield bot


async def test_a_newcomer_subscribes_and_finds_a_topic_after_one_poll(
    newcomer: Bot, workers: ProcessWorkers
) -> None:
    reply = await newcomer.text("subscribe")
    defaults = [f.name for f in starter_catalogue() if f.default]
    assert f"Subscribed to {len(defaults)} default feeds: {', '.join(defaults)}" in reply
    config = dataclasses.replace(
        newcomer.config, fetch=dataclasses.replace(newcomer.config.fetch, fetch_pages=False)
    )
    async with HttpFetcher(config.fetch) as fetcher:
        report = await Poller(newcomer.store, fetcher, config).poll_all_once()
        assert report.failed == 0
        assert len(report.outcomes) == len(starter_catalogue())
        await Enricher(newcomer.store, fetcher, config, workers).enrich_pending()
    found = await newcomer.text("topic", "syria")
    assert "bbc-world-lead" in found
