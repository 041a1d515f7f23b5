"""End to end: the real `digest-bot run` against a local feed server and the Bot API stand-in.

Everything is on 127.0.0.1: feeds and article pages come from `FeedServer`, Telegram is
`BotApiStandIn`, the store is a SQLite file or a PostgreSQL schema. The bot runs as a
subprocess, exactly as the Procfile runs it, and is stopped with SIGTERM and started again.
"""

from __future__ import annotations

import json
import re
import signal
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.support.bot_process import BotProcess, free_port, wait_until, write_config
from tests.support.feed_server import FeedServer
from tests.support.hostile_pages import many_short_paragraphs
from tests.support.seed import FURNITURE, seed_page_html
from tests.support.tg_api import BotApiStandIn
from tests.support.tg_updates import command_update

pytestmark = pytest.mark.e2e

ALICE, BOB, CAROL = 1001, 1002, 1003  # Alice subscribes, Bob follows "syria", Carol only asks
GROUP = -1001000000777  # a supergroup with a daily digest; Alice is its admin
TZ = "Asia/Kolkata"

OTHER_STORIES = {
    "harvest": (
        "Farmers report record wheat harvest after mild spring",
        "Farmers across the plains reported a record wheat harvest this year after an unusually "
        "mild spring and steady rain. Grain prices fell by four percent on the news. The "
        "agriculture ministry said storage capacity would be expanded before the autumn. "
        "Exporters expect shipments to rise sharply in the coming months.",
    ),
    "bridge": (
        "City council approves new bridge over the river",
        "The city council approved the construction of a new bridge over the river on Tuesday. "
        "The project will cost 120 million euros and take three years to complete. Engineers "
        "said the design would withstand floods far larger than any on record. Residents "
        "welcomed the decision after a decade of traffic jams on the old crossing.",
    ),
    "library": (
        "Public library extends opening hours for students",
        "The public library will stay open until midnight during the exam season, its director "
        "announced. Students had petitioned for longer hours for months. The extra shifts are "
        "funded by a grant from the regional government. Volunteers will help staff the "
        "reading rooms at night.",
    ),
    "orchestra": (
        "Youth orchestra wins international competition",
        "The national youth orchestra won first prize at an international competition in "
        "Vienna on Saturday. The jury praised its performance of a demanding modern symphony. "
        "The young musicians rehearsed for eight months before the contest. They will tour "
        "five countries next summer.",
    ),
}


def _page(title: str, body: str) -> bytes:
    paragraphs = "".join(f"<p>{s}.</p>" for s in body.rstrip(".").split(". "))
    html = (
        f"<html><head><title>{title}</title></head><body><nav><a href='/'>Home</a></nav>"
        f"<article><h1>{title}</h1>{paragraphs}</article>"
        "<footer>Subscribe to our newsletter. © 2026 Local News</footer></body></html>"
    )
    return html.encode()


class NewsSite:
    """A feed whose items the test adds one by one, each with its article page."""

    def __init__(self, server: FeedServer) -> None:
        self.server = server
        self.items: list[tuple[str, str, datetime, tuple[str, ...]]] = []
        self.start = datetime.now(ZoneInfo("UTC")) - timedelta(hours=1)

    @property
    def feed_url(self) -> str:
        return self.server.url_for("/news/feed.xml")

    def publish(self, slug: str, title: str, page: bytes, categories: tuple[str, ...] = ()) -> str:
        """Add an article page and its feed item (with its `<category>`s); return its URL."""
        url = self.server.add(f"/news/{slug}.html", page, content_type="text/html; charset=utf-8")
        published = self.start + timedelta(minutes=len(self.items))
        self.items.append((title, url, published, categories))
        self._write_feed()
        return url

    def _write_feed(self) -> None:
        items = "".join(
            f"<item><title>{title}</title><link>{url}</link><guid>{url}</guid>"
            f"<pubDate>{format_datetime(published)}</pubDate>"
            + "".join(f"<category>{c}</category>" for c in categories)
            + "<description>Short teaser. Read the full story on our site.</description></item>"
            for title, url, published, categories in reversed(self.items)
        )
        rss = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Local News</title><link>{self.server.url_for('/news/')}</link>"
            f"<description>News</description>{items}</channel></rss>"
        )
        self.server.add("/news/feed.xml", rss.encode(), content_type="application/rss+xml")


@pytest.fixture
def site() -> Iterator[NewsSite]:
    with FeedServer() as server:
        yield NewsSite(server)


@pytest.fixture
def api() -> Iterator[BotApiStandIn]:
    with BotApiStandIn() as standin:
        standin.set_admins(GROUP, [ALICE], creator_id=ALICE)
        yield standin


def _texts(api: BotApiStandIn, chat_id: int) -> list[str]:
    return [m["text"] for m in api.sent_messages(chat_id)]


def _command(api: BotApiStandIn, chat_id: int, text: str, user_id: int | None = None) -> str:
    """Send `/cmd args` from a user and wait for the bot's reply; return its text."""
    before = len(api.sent_messages(chat_id))
    command, _, args = text.lstrip("/").partition(" ")
    api.push_update(command_update(command, args, chat_id=chat_id, user_id=user_id or chat_id))
    api.wait_for(lambda: len(api.sent_messages(chat_id)) > before, timeout=20)
    return _texts(api, chat_id)[before]


def _tags_of(text: str, url: str) -> list[str]:
    """The hashtags under the story linking to `url` in a message (its first tag line after)."""
    lines = text[text.index(f'href="{url}"') :].split("\n")
    return next(line.split() for line in lines if line.startswith("#"))


def _count_links(texts: list[str], url: str) -> int:
    return sum(text.count(url) for text in texts)


def _health(port: int) -> dict[str, object]:
    url = f"http://127.0.0.1:{port}/healthz"
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.status == 200
        return dict(json.load(response))


# The bot's clock is started at second 20 of a minute (an offset from ours, passed in), so a
# digest set a few seconds later for the next minute falls due about 35 s after it is set,
# with time to spare for the stories to be enriched, and no wall-clock minute to wait for.
BOT_START_SECOND = 20


def _private_menus(api: BotApiStandIn) -> list[Any]:
    """The setMyCommands calls for private chats: one per start of the bot."""
    private = {"type": "all_private_chats"}
    return [c for c in api.calls_of("setMyCommands") if c.params.get("scope") == private]


def _clock_offset_s() -> float:
    """How far ahead the bot's clock runs so that it starts at `BOT_START_SECOND`."""
    now = datetime.now(ZoneInfo("UTC"))
    return float((BOT_START_SECOND - now.second) % 60) - now.microsecond / 1e6


def _digest_time(tz: str, offset_s: float) -> tuple[str, datetime]:
    """The bot's next local minute at least 20 s away, as HH:MM, and that moment on our clock."""
    bot_now = datetime.now(ZoneInfo(tz)) + timedelta(seconds=offset_s)
    at = (bot_now + timedelta(seconds=20)).replace(second=0, microsecond=0)
    at += timedelta(minutes=1)
    return at.strftime("%H:%M"), (at - timedelta(seconds=offset_s)).astimezone(ZoneInfo("UTC"))


def test_newcomer_to_digest_restart_and_outage(
    tmp_path: Path, db_url: str, site: NewsSite, api: BotApiStandIn
) -> None:
    # An old story is there before the bot starts: recorded, never pushed.
    title, body = OTHER_STORIES["harvest"]
    old_url = site.publish("harvest", title, _page(title, body))
    health_port = free_port()
    config = write_config(
        tmp_path / "config.toml",
        api_url=api.base_url,
        database_url=db_url,
        feeds=[{"url": site.feed_url, "name": "local", "default": True}],
        health_port=health_port,
    )
    offset_s = _clock_offset_s()
    bot = BotProcess(config, tmp_path / "bot.log", cwd=tmp_path, clock_offset_s=offset_s).start()
    try:
        wait_until(lambda: api.calls_of("getUpdates"), 30, "the bot to start polling", bot)
        assert api.calls_of("setMyCommands"), "the command menu is registered at start"
        assert _health(health_port)["status"] == "ok", "the readiness endpoint answers"
        # The catalogue feed is polled from the start; its old story is then in the store.
        wait_until(lambda: site.server.count("/news/feed.xml") >= 2, 30, "two polls", bot)

        assert "/subscribe" in _command(api, ALICE, "/start")
        _command(api, ALICE, "/subscribe")
        _command(api, BOB, "/start")
        _command(api, BOB, "/follow syria")
        _command(api, GROUP, "/start", user_id=ALICE)
        _command(api, GROUP, "/subscribe local", user_id=ALICE)
        _command(api, GROUP, f"/timezone {TZ}", user_id=ALICE)
        at, at_utc = _digest_time(TZ, offset_s)
        _command(api, GROUP, f"/digest daily {at}", user_id=ALICE)

        # Two new stories: the seed article (about Syria) and an unrelated one.
        seed_title = "Before his removal, Assad informed Iran that Turkey was backing rebels"
        seed_url = site.publish(
            "assad-iran-turkey", seed_title, seed_page_html().encode(), ("Middle East", "News")
        )
        title, body = OTHER_STORIES["bridge"]
        bridge_url = site.publish("bridge", title, _page(title, body))

        wait_until(
            lambda: all(_count_links(_texts(api, ALICE), u) for u in (seed_url, bridge_url)),
            30,
            "Alice to get both new stories",
            bot,
        )
        wait_until(lambda: _count_links(_texts(api, BOB), seed_url), 30, "Bob's topic story", bot)
        alice = "\n".join(_texts(api, ALICE))
        # A summary of the article page, not of the feed's teaser, with a link to the source.
        assert "Bashar al-Assad" in alice, alice
        assert f'href="{seed_url}"' in alice
        # Its tags: the feed's own category first ("News" says nothing), then its names.
        tags = _tags_of(alice, seed_url)
        assert tags[0] == "#Middle_East", alice
        assert 2 <= len(tags) <= 3, tags
        assert "#News" not in tags

        assert old_url not in alice, "a story from before the subscription is not pushed"
        assert _count_links(_texts(api, BOB), bridge_url) == 0, "Bob follows syria only"

        latest = _command(api, CAROL, "/latest")
        assert seed_title.split(",")[0] in latest
        topic = _command(api, CAROL, "/topic syria")
        assert "Assad" in topic
        assert "bridge" not in topic.lower()

        # The group's digest arrives once, at its local time, with both stories.
        wait_until(lambda: _count_links(_texts(api, GROUP), bridge_url), 120, "the digest", bot)
        assert datetime.now(ZoneInfo("UTC")) >= at_utc - timedelta(seconds=1)
        digest = [t for t in _texts(api, GROUP) if seed_url in t or bridge_url in t]
        assert len(digest) == 1, digest

        # SIGTERM, then start again: nothing resent, nothing missed.
        assert bot.stop(signal.SIGTERM) == 0
        sent_before = len(api.sent_messages())
        bot = BotProcess(
            config, tmp_path / "bot.log", cwd=tmp_path, clock_offset_s=offset_s
        ).start()
        wait_until(lambda: len(_private_menus(api)) >= 2, 30, "the restart", bot)
        time.sleep(4)  # two poll intervals
        assert len(api.sent_messages()) == sent_before, "nothing is resent after a restart"
        title, body = OTHER_STORIES["library"]
        library_url = site.publish("library", title, _page(title, body))
        wait_until(lambda: _count_links(_texts(api, ALICE), library_url), 30, "a new story", bot)

        # Telegram goes away for a while and comes back: deliveries resume, nothing lost.
        api.pause(refuse=True)  # connections refused: Telegram unreachable
        title, body = OTHER_STORIES["orchestra"]
        orchestra_url = site.publish("orchestra", title, _page(title, body))
        time.sleep(5)
        api.resume()
        wait_until(lambda: _count_links(_texts(api, ALICE), orchestra_url), 60, "resume", bot)
        time.sleep(2)
    finally:
        if bot.alive():
            bot.stop()

    for url in (seed_url, bridge_url, library_url, orchestra_url):
        assert _count_links(_texts(api, ALICE), url) == 1, (url, _texts(api, ALICE))
    assert _count_links(_texts(api, BOB), seed_url) == 1
    everything = "\n".join(m["text"] for m in api.sent_messages())
    for line in FURNITURE:
        assert line not in everything
    assert not api.unknown_calls
    log = bot.log()
    assert "123456789:TEST" not in log, "the token never reaches the log"
    assert not re.search(r"Traceback", log), log[-4000:]
    assert Counter(m["chat_id"] for m in api.sent_messages())[BOB] >= 3


def _rss(server: FeedServer, path: str, items: list[tuple[str, str]]) -> None:
    """Publish a feed at `path` whose items are (title, url), newest first."""
    body = "".join(
        f"<item><title>{title}</title><link>{url}</link><guid>{url}</guid>"
        "<description>Short teaser of the story, from the feed itself.</description></item>"
        for title, url in items
    )
    server.add(
        path,
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{path}</title>{body}'
        "</channel></rss>",
    )


def _pushed_within(api: BotApiStandIn, chat: int, url: str, bot: BotProcess) -> float:
    """Seconds until a message with `url` reaches `chat`."""
    started = time.monotonic()
    wait_until(lambda: _count_links(_texts(api, chat), url), 90, f"{url} pushed", bot)
    return time.monotonic() - started


def test_a_hostile_page_does_not_delay_another_chats_push_and_sigterm_is_quick(
    tmp_path: Path, api: BotApiStandIn
) -> None:
    """Alice's feed serves a page that takes far longer than the budget to read; Bob's push
    must not wait for it, and stopping the bot while it is in flight takes seconds."""
    with FeedServer() as server:
        _rss(server, "/hostile.xml", [])
        _rss(server, "/calm.xml", [])
        config = write_config(
            tmp_path / "config.toml",
            api_url=api.base_url,
            database_url=f"sqlite:///{tmp_path}/bot.sqlite3",
            feeds=[
                {"url": server.url_for("/hostile.xml"), "name": "hostile"},
                {"url": server.url_for("/calm.xml"), "name": "calm"},
            ],
            summary={"story_timeout_s": 1.0},  # the page below takes longer than that to read
        )
        bot = BotProcess(config, tmp_path / "bot.log", cwd=tmp_path).start()
        try:
            wait_until(lambda: server.count("/calm.xml") >= 2, 30, "two polls", bot)
            _command(api, ALICE, "/subscribe hostile")
            _command(api, BOB, "/subscribe calm")
            wait_until(lambda: server.count("/calm.xml") >= 4, 30, "polls after", bot)

            # A baseline: Bob's push with nothing else going on.
            title, body = OTHER_STORIES["bridge"]
            bridge = server.add("/calm/bridge", _page(title, body), content_type="text/html")
            _rss(server, "/calm.xml", [(title, bridge)])
            alone_s = _pushed_within(api, BOB, bridge, bot)

            # Then a hostile page for Alice and a plain story for Bob, published together.
            hostile = server.add(
                "/hostile/1", many_short_paragraphs(16_000), content_type="text/html"
            )
            _rss(server, "/hostile.xml", [("A page that never ends", hostile)])
            title, body = OTHER_STORIES["library"]
            library = server.add("/calm/library", _page(title, body), content_type="text/html")
            _rss(server, "/calm.xml", [(title, library), (OTHER_STORIES["bridge"][0], bridge)])
            beside_hostile_s = _pushed_within(api, BOB, library, bot)
            print(f"Bob's push: {alone_s:.1f} s alone, {beside_hostile_s:.1f} s beside it")
            assert beside_hostile_s < alone_s + 5.0, (alone_s, beside_hostile_s)
            # Alice still gets her story, from the feed's text, once its budget is spent.
            _pushed_within(api, ALICE, hostile, bot)

            # Another hostile page in flight, then SIGTERM: the bot stops within seconds.
            again = server.add(
                "/hostile/2", many_short_paragraphs(16_000), content_type="text/html"
            )
            _rss(server, "/hostile.xml", [("Another endless page", again)])
            wait_until(lambda: server.count("/hostile/2") >= 1, 30, "the page fetched", bot)
            started = time.monotonic()
            assert bot.stop(signal.SIGTERM) == 0
            stop_s = time.monotonic() - started
            print(f"SIGTERM with a hostile page in flight: stopped in {stop_s:.1f} s")
            assert stop_s < 10.0
        finally:
            if bot.alive():
                bot.stop()
    log = bot.log()
    assert "page: ran out of its 1 s budget" in log
    assert not re.search(r"Traceback", log), log[-4000:]
