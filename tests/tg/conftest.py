"""Fixtures of the Telegram tests: the stand-in, a feed server and the running bot."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.support.feed_server import FeedServer
from tests.support.tg_api import BotApiStandIn
from tests.support.tg_bot import Bot, running_bot
from tests.support.tg_updates import GROUP_CHAT_ID, SUPERGROUP_CHAT_ID, USER_ID

GROUPS = (GROUP_CHAT_ID, SUPERGROUP_CHAT_ID)


@pytest.fixture
def api() -> Iterator[BotApiStandIn]:
    """The Bot API stand-in, with USER_ID administrator of both groups."""
    with BotApiStandIn() as api:
        for group in GROUPS:
            api.set_admins(group, [USER_ID])
        yield api


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """Feeds and pages on 127.0.0.1."""
    with FeedServer() as server:
        yield server


@pytest.fixture
async def bot(api: BotApiStandIn, feed_server: FeedServer, tmp_path: Path) -> AsyncIterator[Bot]:
    """The real Application, initialised against the stand-in, with an empty store."""
    async with running_bot(api, feed_server, tmp_path) as running:
        yield running
