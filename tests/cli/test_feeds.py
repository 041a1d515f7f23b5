"""`digest-bot poll`, `feeds` and `opml` through the real command line, on a real store."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.cli.feeds import run_poll_loop
from bot.clock import utcnow
from bot.config import CatalogueFeed, Config, FetchConfig, PollConfig, StorageConfig
from bot.core.opml import Outline, parse_opml
from bot.store.engine import Store
from bot.store.feeds import sync_catalogue
from bot.store.schema import stories, story_sources
from tests.support.feed_data import rss
from tests.support.feed_server import FeedServer
from tests.support.paths import TEST_DATA

FEEDS = ["rss20.xml", "rss10.rdf", "rss091.xml", "atom10.xml", "atom03.xml", "no_guid.xml"]


@pytest.fixture
def server(feed_server: FeedServer) -> FeedServer:
    return feed_server


def _config(tmp_path: Path, db_url: str, server: FeedServer, feeds: list[str]) -> str:
    lines = [
        "[storage]",
        f'url = "{db_url}"',
        "[fetch]",
        "allow_private_networks = true",
        "fetch_pages = false",  # fixture items link to example.org: never leave 127.0.0.1
        "total_timeout_s = 15.0",  # loopback answers at once; a loaded CI machine may not
        "[poll]",
        "first_poll_items = 2",
        "[log]",
        'level = "WARNING"',
    ]
    for i, name in enumerate(feeds):
        lines += ["[[feeds]]", f'url = "{server.url_for("/feeds/" + name)}"', f'name = "F{i}"']
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def _counts(db_url: str) -> tuple[int, int, int]:
    store = Store(db_url)
    try:
        return store.read_sync(
            lambda conn: (
                conn.execute(select(func.count()).select_from(stories)).scalar_one(),
                conn.execute(select(func.count(func.distinct(stories.c.key)))).scalar_one(),
                conn.execute(select(func.count()).select_from(story_sources)).scalar_one(),
            )
        )
    finally:
        store.close()


def test_poll_once_stores_each_story_exactly_once(
    tmp_path: Path, db_url: str, server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.add("/feeds/copy.xml", (TEST_DATA / "feeds" / "rss20.xml").read_bytes())
    config = _config(tmp_path, db_url, server, [*FEEDS, "copy.xml"])
    assert main(["--config", config, "poll", "--once"]) == 0
    out = capsys.readouterr().out
    assert "polled 7 feeds:" in out
    assert "0 failed" in out
    assert "already known from other feeds" in out  # copy.xml carries rss20's stories
    expected = 5 + 2 + 2 + 2 + 1 + 3  # distinct stories across the six different feeds
    total, distinct, sources = _counts(db_url)
    assert total == distinct == expected
    assert sources == expected + 5
    assert main(["--config", config, "poll", "--once"]) == 0
    again = capsys.readouterr().out
    assert "polled 7 feeds: 0 new stories, 0 failed, 0 stories enriched" in again
    assert "not_modified" in again
    assert _counts(db_url) == (total, distinct, sources)


def test_poll_once_reports_failures_with_sentences(
    tmp_path: Path, db_url: str, server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, db_url, server, ["page_with_feed.html", "page_without_feed.html"])
    assert main(["--config", config, "poll", "--once"]) == 0
    out = capsys.readouterr().out
    feed = server.url_for("/feeds/rss20.xml")
    assert f"page_with_feed.html: a web page; its feed {feed} is used" in out
    assert "page_without_feed.html: not a feed: the URL is a web page" in out
    assert "1 failed" in out
    # The next pass polls the feed the page led to; the catalogue sync at start keeps it.
    assert main(["--config", config, "poll", "--once"]) == 0
    out = capsys.readouterr().out
    assert f"ok           {feed}: 2 new" in out
    assert main(["--config", config, "feeds", "list"]) == 0
    listed = capsys.readouterr().out
    assert listed.count("[F0]") == 1
    assert "page_with_feed.html" not in listed.split("[F0]")[1].splitlines()[0]


def test_feeds_add_list_remove(
    tmp_path: Path, db_url: str, server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, db_url, server, [])
    server.add("/mine.xml", rss(["x"]))
    url = server.url_for("/mine.xml")
    assert main(["--config", config, "feeds", "add", url, "--name", "Mine"]) == 0
    assert main(["--config", config, "feeds", "add", server.url_for("/status/404")]) == 0
    assert main(["--config", config, "poll", "--once"]) == 0  # catalogue sync keeps "Mine"
    capsys.readouterr()
    assert main(["--config", config, "feeds", "list"]) == 0
    listed = capsys.readouterr().out
    assert f"ok       [Mine] {url}" in listed
    assert "0 failures in a row" in listed
    assert "next poll 20" in listed
    assert main(["--config", config, "feeds", "remove", "Mine"]) == 0
    assert main(["--config", config, "feeds", "remove", "Mine"]) == 1
    assert "no feed with id, URL or name 'Mine'" in capsys.readouterr().err


def test_feeds_list_shows_last_error(
    tmp_path: Path, db_url: str, server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, db_url, server, [])
    assert (
        main(["--config", config, "feeds", "add", server.url_for("/status/500"), "--name", "X"])
        == 0
    )
    assert main(["--config", config, "poll", "--once"]) == 0
    capsys.readouterr()
    main(["--config", config, "feeds", "list"])
    listed = capsys.readouterr().out
    assert "failing" in listed
    assert ": HTTP 500" in listed
    assert "1 failures in a row" in listed


def test_feeds_add_refuses_non_http(
    tmp_path: Path, db_url: str, server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, db_url, server, [])
    assert main(["--config", config, "feeds", "add", "file:///etc/passwd"]) == 1
    assert "only http:// and https://" in capsys.readouterr().err


def test_opml_round_trip(
    tmp_path: Path, db_url: str, server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, db_url, server, ["rss20.xml"])
    opml = tmp_path / "in.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head/><body>'
        '<outline text="Group"><outline text="A" type="rss" xmlUrl="https://a.example.org/f"/>'
        '<outline title="B" type="rss" xmlUrl="https://b.example.org/f" htmlUrl="https://b/"/>'
        "</outline></body></opml>",
        encoding="utf-8",
    )
    assert main(["--config", config, "opml", "import", str(opml)]) == 0
    assert "imported 2 feeds" in capsys.readouterr().out
    out = tmp_path / "out.opml"
    assert main(["--config", config, "opml", "export", str(out)]) == 0
    assert parse_opml(out.read_bytes()) == [
        Outline("https://a.example.org/f", "A"),
        Outline("https://b.example.org/f", "B"),
    ]


def test_opml_with_entities_is_refused(
    tmp_path: Path, db_url: str, server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, db_url, server, [])
    opml = tmp_path / "evil.opml"
    opml.write_bytes(
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><opml/>'
    )
    assert main(["--config", config, "opml", "import", str(opml)]) == 1
    assert "DTD" in capsys.readouterr().err


async def test_poll_loop_polls_due_feeds_each_tick(
    tmp_path: Path, db_url: str, server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    config = Config(
        storage=StorageConfig(url=db_url),
        fetch=FetchConfig(allow_private_networks=True, fetch_pages=False),
        poll=PollConfig(tick_s=1),
        feeds=(CatalogueFeed(url=server.url_for("/feeds/atom10.xml"), name="A"),),
    )
    store = Store(db_url)
    store.upgrade()
    store.write_sync(sync_catalogue, config.feeds, utcnow())
    try:
        await run_poll_loop(store, config, ticks=2)
    finally:
        store.close()
    out = capsys.readouterr().out.splitlines()
    assert out == ["polled 1 feeds: 2 new stories, 0 failed, 2 stories enriched"]
    assert server.count("/feeds/atom10.xml") == 1  # not due again on the second tick
