"""Fixtures shared by the whole suite."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import story_workers
from bot.config import Config, SummaryConfig
from bot.proc.workers import ProcessWorkers
from bot.store.engine import Store
from tests.support.databases import postgres_schema_url, sqlite_url
from tests.support.feed_server import FeedServer, serve_feeds

_PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """End-to-end tests first: each takes up to a minute, mostly waiting on the bot, so with
    several workers (`scripts/test` runs `-n 4`) they overlap the rest instead of trailing it."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is None)


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy or bot settings leak in from the developer's shell (httpx's clean_environ)."""
    for name in _PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    for name in ("TELEGRAM_BOT_TOKEN", "DATABASE_URL", "DIGEST_BOT_CONFIG"):
        monkeypatch.delenv(name, raising=False)


_LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1", "", None}
_real_getaddrinfo = socket.getaddrinfo


def _loopback_only_getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
    """Refuse to resolve anything but loopback: tests never reach another address."""
    name = host.decode() if isinstance(host, bytes) else host
    if name not in _LOOPBACK_NAMES and not str(name).startswith("127."):
        raise socket.gaierror(socket.EAI_NONAME, f"tests resolve only loopback, not {name!r}")
    return _real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """A safety net: a test that would look up a real host name fails instead of leaking."""
    monkeypatch.setattr(socket, "getaddrinfo", _loopback_only_getaddrinfo)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, then a PostgreSQL schema."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
    else:
        with postgres_schema_url() as url:
            yield url


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """A migrated, empty store on each database."""
    store = Store(db_url)
    store.upgrade()
    yield store
    store.close()


@pytest.fixture(scope="session")
def workers() -> Iterator[ProcessWorkers]:
    """Real worker processes for story work, shared by the whole run (they start once)."""
    pool = story_workers(Config(summary=SummaryConfig(workers=2)))
    yield pool
    pool.close()


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """Feeds, pages and scripted behaviours on 127.0.0.1 (see tests/support/feed_server.py)."""
    with serve_feeds() as server:
        yield server
