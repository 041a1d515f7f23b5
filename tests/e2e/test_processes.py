"""Scale-out: two `digest-bot run` processes share one PostgreSQL store.

Process A receives the updates (long polling here; a webhook in production), process B runs
with `--no-updates`; both poll, enrich and send. Eight feeds on the loopback server, twelve
chats subscribed to all of them. Checked: every story reaches every chat exactly once, no feed
is fetched by both processes for the same due time (no two requests to a feed within an eighth
of the poll interval), both processes did part of the work (their own
/metrics), and after A stops (SIGTERM) B alone delivers what comes next, once.

Sends are not split evenly: the sender that claims first takes a batch of up to two seconds
of sends, and Telegram's per-bot limit, not CPU, bounds sending (see the README's sizing).
"""

from __future__ import annotations

import itertools
import random
import re
import signal
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection

from bot.store.chats import add_subscription, register_chat
from bot.store.engine import Store
from bot.store.feeds import add_feed
from tests.support.bot_process import BotProcess, free_port, wait_until, write_config
from tests.support.databases import postgres_schema_url
from tests.support.feed_server import FeedServer
from tests.support.tg_api import BotApiStandIn

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

FEEDS = 8
CHATS = tuple(range(7001, 7013))
POLL_INTERVAL_S = 2  # write_config's poll.interval_s
# A story's words are drawn at random from these.
_VOCABULARY = """
    harbour board pier ferry council budget river bridge school library orchestra museum
    market farmer harvest railway station tram airport runway hospital doctor nurse clinic
    court judge police festival theatre singer painter novel poet garden forest storm flood
    drought wind solar battery factory worker union strike wage price tax bank loan mayor
    minister election vote party senate treaty border envoy summit trade port ship cargo
    grain coffee tea cocoa copper steel glass timber paper cotton wool fishing whale bird
"""
WORDS = tuple(_VOCABULARY.split())


def _body(seed: str) -> str:
    """Four sentences of words drawn for this story alone (no two stories are near-duplicates,
    which the bot would rightly merge into one message)."""
    rng = random.Random(seed)
    return " ".join(
        " ".join(rng.choice(WORDS) for _ in range(14)).capitalize() + "." for _ in range(4)
    )


class Sites:
    """`FEEDS` feeds, each with its items and their article pages."""

    def __init__(self, server: FeedServer) -> None:
        self.server = server
        self.items: dict[int, list[str]] = {f: [] for f in range(FEEDS)}
        self.start = datetime.now(UTC) - timedelta(hours=1)

    def feed_path(self, feed: int) -> str:
        return f"/site{feed}/feed.xml"

    def publish(self, feed: int, slug: str) -> str:
        """A new story on `feed`; its URL."""
        title = f"Harbour plan, part {slug} (site {feed})"
        page = (
            f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            + "".join(f"<p>{s}.</p>" for s in _body(f"{feed}/{slug}").rstrip(".").split(". "))
            + "</article></body></html>"
        )
        url = self.server.add(
            f"/site{feed}/{slug}.html", page.encode(), content_type="text/html; charset=utf-8"
        )
        self.items[feed].append(url)
        entries = "".join(
            f"<item><title>Story {n} of site {feed}</title><link>{u}</link><guid>{u}</guid>"
            f"<pubDate>{format_datetime(self.start + timedelta(minutes=n))}</pubDate></item>"
            for n, u in reversed(list(enumerate(self.items[feed])))
        )
        rss = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Site {feed}</title><link>{self.server.url_for(f'/site{feed}/')}</link>"
            f"{entries}</channel></rss>"
        )
        self.server.add(self.feed_path(feed), rss.encode())
        return url


@pytest.fixture
def pg_url() -> Iterator[str]:
    with postgres_schema_url() as url:
        yield url


def _seed(db_url: str, sites: Sites) -> None:
    """The feeds and the chats subscribed to all of them, before either process starts."""
    store = Store(db_url)
    try:
        store.upgrade()
        now = datetime.now(UTC)

        def seed(conn: Connection) -> None:
            ids = [
                add_feed(conn, sites.server.url_for(sites.feed_path(f)), now) for f in range(FEEDS)
            ]
            for chat in CHATS:
                register_chat(conn, chat, "private", f"Reader {chat}", now, activate=True)
                for feed_id in ids:
                    assert add_subscription(conn, chat, feed_id, 50, now) == "added"

        store.write_sync(seed)
    finally:
        store.close()


def _metric(port: int, name: str) -> float:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    found = re.search(rf"^{re.escape(name)} ([0-9.e+]+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


SENT = 'digest_bot_deliveries_total{outcome="sent"}'
POLLS = "digest_bot_poll_seconds_count"


def _links(api: BotApiStandIn) -> Counter[tuple[int, str]]:
    """(chat, story URL) → how many messages linked to it."""
    seen: Counter[tuple[int, str]] = Counter()
    for message in api.sent_messages():
        for url in re.findall(r'href="([^"]+/site\d+/[^"]+\.html)"', message["text"]):
            seen[(int(message["chat_id"]), url)] += 1
    return seen


def _all_delivered(api: BotApiStandIn, urls: list[str]) -> bool:
    links = _links(api)
    return all(links[(chat, url)] >= 1 for chat in CHATS for url in urls)


def test_two_processes_share_the_work_and_nothing_is_polled_or_sent_twice(
    tmp_path: Path, pg_url: str
) -> None:
    with FeedServer() as server, BotApiStandIn() as api:
        sites = Sites(server)
        for feed in range(FEEDS):
            sites.publish(feed, "old")  # the newest on the first poll: pushed
        _seed(pg_url, sites)
        bots = {}
        for name, args in (("a", ()), ("b", ("--no-updates",))):
            port = free_port()
            config = write_config(
                tmp_path / f"{name}.toml",
                api_url=api.base_url,
                database_url=pg_url,
                feeds=[],
                health_port=port,
                jitter_s=1,  # due times spread, so both processes' ticks find feeds due
            )
            bot = BotProcess(config, tmp_path / f"{name}.log", cwd=tmp_path, args=args)
            bots[name] = (bot.start(), port)
        a, a_port = bots["a"]
        b, b_port = bots["b"]
        try:
            paths = [sites.feed_path(f) for f in range(FEEDS)]
            wait_until(lambda: all(server.count(p) >= 1 for p in paths), 30, "first polls", a)
            time.sleep(0.5)  # the first polls are recorded before new stories appear
            urls = [u for f in range(FEEDS) for u in sites.items[f]]
            urls += [sites.publish(f, f"new{n}") for n in range(2) for f in range(FEEDS)]
            wait_until(lambda: _all_delivered(api, urls), 60, "every story in every chat", a)
            assert b.alive(), b.log()[-3000:]
            both_poll = lambda: _metric(a_port, POLLS) > 0 and _metric(b_port, POLLS) > 0  # noqa: E731
            wait_until(both_poll, 30, "both processes to poll some feeds", b)
            sent = {n: _metric(port, SENT) for n, (_, port) in bots.items()}
            assert sum(sent.values()) >= len(CHATS)  # a message may carry several stories

            # A stops (a deploy, or its machine goes): B alone polls, enriches and sends.
            assert a.stop(signal.SIGTERM) == 0, a.log()[-3000:]
            updates_asked = len(api.calls_of("getUpdates"))
            later = [sites.publish(f, "after") for f in range(FEEDS)]
            wait_until(lambda: _all_delivered(api, later), 60, "B alone delivers", b)
            time.sleep(1.0)  # a second copy, if any, would arrive now
            assert _metric(b_port, SENT) - sent["b"] >= len(CHATS)
            assert len(api.calls_of("getUpdates")) == updates_asked  # B never asks for any
        finally:
            for bot, _ in bots.values():
                if bot.alive():
                    bot.stop(signal.SIGTERM)

        links = _links(api)
        twice = {key: n for key, n in links.items() if n > 1}
        assert not twice, twice
        assert set(links) == {(chat, url) for chat in CHATS for url in urls + later}
        for path in paths:
            times = server.times_of(path)
            gaps = [t2 - t1 for t1, t2 in itertools.pairwise(times)]
            # A second fetch for the same due time would come within milliseconds of the
            # first. The next poll counts from the due time, not from when the fetch went out,
            # so on a loaded machine (a first fetch sent a second late) gaps shrink below the
            # interval without any feed being polled twice.
            assert min(gaps) > POLL_INTERVAL_S / 8, (path, gaps)
