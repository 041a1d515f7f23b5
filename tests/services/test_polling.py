"""The Poller against the feed server and a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, func, select, update

from bot.config import CatalogueFeed, Config, FetchConfig, PollConfig
from bot.core.feeds import parse_feed
from bot.core.models import Feed
from bot.net.fetcher import HttpFetcher
from bot.proc.workers import ProcessWorkers
from bot.services.polling import Poller, backlog_keys, sort_newest_first
from bot.store import feeds as feed_queries
from bot.store.engine import Store
from bot.store.schema import chats, feeds, stories, story_sources, subscriptions
from bot.store.stories import record_entries
from tests.support.feed_data import rss
from tests.support.feed_server import FeedServer, LoopbackOnlyResolver
from tests.support.paths import TEST_DATA

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
CONFIG = Config(
    fetch=FetchConfig(allow_private_networks=True, read_timeout_s=1.0, total_timeout_s=3.0),
    poll=PollConfig(interval_s=600, min_interval_s=60, jitter_s=0, first_poll_items=3),
)


@dataclass
class Rig:
    """A store, a fetcher, a poller and the feed server."""

    store: Store
    poller: Poller
    server: FeedServer

    def add_feed(self, path: str, *, catalogue: bool = True) -> int:
        url = self.server.url_for(path)
        name = path if catalogue else None
        return self.store.write_sync(feed_queries.add_feed, url, NOW, name=name)

    def feed(self, feed_id: int) -> Feed:
        row = self.store.read_sync(feed_queries.feed_by_id, feed_id)
        assert row is not None
        return row

    async def poll(self, feed_id: int, now: datetime = NOW) -> object:
        return await self.poller.poll_feed(self.feed(feed_id), now)

    def stories(self) -> list[tuple[str, str]]:
        def query(conn: Connection) -> list[tuple[str, str]]:
            rows = conn.execute(select(stories.c.key, stories.c.state).order_by(stories.c.id))
            return [(r.key, r.state) for r in rows]

        return self.store.read_sync(query)

    def sources(self) -> int:
        return self.store.read_sync(
            lambda conn: conn.execute(select(func.count()).select_from(story_sources)).scalar_one()
        )


@pytest.fixture
def server(feed_server: FeedServer) -> FeedServer:
    return feed_server


@pytest.fixture
async def rig(db_url: str, server: FeedServer) -> AsyncIterator[Rig]:
    store = Store(db_url)
    store.upgrade()
    async with HttpFetcher(CONFIG.fetch, resolver=LoopbackOnlyResolver()) as fetcher:
        yield Rig(store, Poller(store, fetcher, CONFIG, rng=random.Random(1)), server)
    store.close()


async def test_first_poll_keeps_backlog_quiet_and_304_adds_nothing(rig: Rig) -> None:
    feed_id = rig.add_feed("/feeds/rss20.xml")
    outcome = await rig.poll(feed_id)
    assert (outcome.status, outcome.new, outcome.backlog) == ("ok", 3, 2)
    states = dict(rig.stories())
    assert states["https://news.example.org/2026/11/budget"] == "new"
    assert states["https://news.example.org/2026/11/trains"] == "seen"
    again = await rig.poll(feed_id, NOW + timedelta(minutes=30))
    assert again.status == "not_modified"
    assert len(rig.stories()) == 5
    assert rig.server.headers_of("/feeds/rss20.xml")[1]["if-none-match"]
    row = rig.feed(feed_id)
    assert row.status == "ok"
    assert row.title == "Example News"
    assert row.items_seen == 5


async def test_same_body_without_validators_is_not_parsed_again(rig: Rig) -> None:
    """A server with no ETag/Last-Modified answers 200 each time: an equal body is a 304."""
    rig.server.add("/plain.xml", rss(["a", "b"]), etag=None)
    feed_id = rig.add_feed("/plain.xml")
    assert (await rig.poll(feed_id)).status == "ok"
    first_hash = rig.feed(feed_id).content_hash
    assert isinstance(first_hash, str)
    assert len(first_hash) == 64
    again = await rig.poll(feed_id, NOW + timedelta(minutes=30))
    assert (again.status, again.new) == ("not_modified", 0)
    assert rig.server.count("/plain.xml") == 2  # it was fetched, just not parsed
    assert rig.feed(feed_id).last_success_at == NOW + timedelta(minutes=30)
    rig.server.add("/plain.xml", rss(["c", "a", "b"]), etag=None)
    changed = await rig.poll(feed_id, NOW + timedelta(hours=1))
    assert (changed.status, changed.new) == ("ok", 1)
    assert rig.feed(feed_id).content_hash not in (None, first_hash)
    assert len(rig.stories()) == 3


async def test_feeds_with_validators_keep_no_content_hash(rig: Rig) -> None:
    feed_id = rig.add_feed("/feeds/rss20.xml")
    await rig.poll(feed_id)
    assert rig.feed(feed_id).content_hash is None


async def test_two_pollers_sharing_a_database_poll_each_feed_once(rig: Rig, db_url: str) -> None:
    for n in range(6):
        rig.server.add(f"/shared{n}.xml", rss([f"shared{n}"]))
        rig.add_feed(f"/shared{n}.xml")
    other_store = Store(db_url)
    try:
        async with HttpFetcher(CONFIG.fetch, resolver=LoopbackOnlyResolver()) as fetcher:
            other = Poller(other_store, fetcher, CONFIG, rng=random.Random(2))
            mine, theirs = await asyncio.gather(rig.poller.poll_due(NOW), other.poll_due(NOW))
    finally:
        other_store.close()
    assert len(mine.outcomes) + len(theirs.outcomes) == 6
    assert [rig.server.count(f"/shared{n}.xml") for n in range(6)] == [1] * 6
    assert len(rig.stories()) == 6


def test_a_claimed_feed_is_due_again_when_its_lease_ends(rig: Rig) -> None:
    feed_id = rig.add_feed("/feeds/rss20.xml")
    claimed = rig.store.write_sync(feed_queries.claim_due_feeds, NOW, 600)
    assert [row.id for row in claimed] == [feed_id]
    later = NOW + timedelta(minutes=5)
    assert rig.store.write_sync(feed_queries.claim_due_feeds, later, 600) == []
    expired = NOW + timedelta(minutes=11)  # the poller that claimed it never recorded a poll
    assert [r.id for r in rig.store.write_sync(feed_queries.claim_due_feeds, expired, 600)] == [
        feed_id
    ]


async def test_feed_ttl_and_update_period_are_lower_bounds(rig: Rig) -> None:
    outcome = await rig.poll(rig.add_feed("/feeds/rss20.xml"))
    assert outcome.next_poll_at == NOW + timedelta(seconds=1800)  # <ttl>30</ttl> > 600 s


async def test_cache_control_max_age_is_a_lower_bound(rig: Rig) -> None:
    rig.server.add("/cc.xml", rss(["a"]), headers={"Cache-Control": "max-age=3600"})
    outcome = await rig.poll(rig.add_feed("/cc.xml"))
    assert outcome.next_poll_at == NOW + timedelta(seconds=3600)


async def test_story_seen_once_is_never_new_again(rig: Rig) -> None:
    rig.server.add("/f.xml", rss(["a", "b", "c"]))
    feed_id = rig.add_feed("/f.xml")
    assert (await rig.poll(feed_id)).new == 3
    rig.server.add("/f.xml", rss(["d", "b", "c"]))  # a left, d arrived
    assert (await rig.poll(feed_id)).new == 1
    rig.server.add("/f.xml", rss(["c", "a", "b", "d"]))  # a re-appears, order shuffled
    outcome = await rig.poll(feed_id)
    assert (outcome.status, outcome.new, outcome.linked) == ("ok", 0, 0)
    assert len(rig.stories()) == 4


async def test_restart_does_not_make_stories_new(db_url: str, server: FeedServer) -> None:
    server.add("/f.xml", rss(["a", "b"]))
    for expected_new in (2, 0):
        store = Store(db_url)
        store.upgrade()
        async with HttpFetcher(CONFIG.fetch, resolver=LoopbackOnlyResolver()) as fetcher:
            feed_id = store.write_sync(feed_queries.add_feed, server.url_for("/f.xml"), NOW)
            row = store.read_sync(feed_queries.feed_by_id, feed_id)
            assert row is not None
            row = replace(row, etag=None)  # force a full fetch and parse
            outcome = await Poller(store, fetcher, CONFIG).poll_feed(row, NOW)
        store.close()
        assert outcome.new == expected_new


async def test_same_story_in_two_feeds_is_stored_once(rig: Rig) -> None:
    rig.server.add("/one.xml", rss(["shared", "only-one"]))
    rig.server.add("/two.xml", rss(["shared?utm_source=two", "only-two"]))
    first = await rig.poll(rig.add_feed("/one.xml"))
    second = await rig.poll(rig.add_feed("/two.xml"))
    assert (first.new, second.new, second.linked) == (2, 1, 1)
    assert len(rig.stories()) == 3
    assert rig.sources() == 4


async def test_duplicated_guids_and_missing_guids(rig: Rig) -> None:
    dup = await rig.poll(rig.add_feed("/feeds/dup_guids.xml"))
    noguid = await rig.poll(rig.add_feed("/feeds/no_guid.xml"))
    assert dup.new + dup.backlog == 2
    assert noguid.new == 3
    assert (await rig.poll(rig.add_feed("/feeds/no_guid.xml"))).status == "not_modified"


async def test_empty_feed_then_items_are_new(rig: Rig) -> None:
    rig.server.add("/e.xml", rss([]))
    feed_id = rig.add_feed("/e.xml")
    assert (await rig.poll(feed_id)).status == "ok"
    rig.server.add("/e.xml", rss(["1", "2", "3", "4", "5"]))
    assert (await rig.poll(feed_id)).new == 5  # not the first poll any more


async def test_errors_back_off_exponentially(rig: Rig) -> None:
    feed_id = rig.add_feed("/status/404")
    first = await rig.poll(feed_id)
    assert (first.status, first.error) == ("failed", "HTTP 404")
    assert first.next_poll_at == NOW + timedelta(seconds=600)
    second = await rig.poll(feed_id, NOW + timedelta(minutes=10))
    assert second.next_poll_at == NOW + timedelta(minutes=10, seconds=1200)
    row = rig.feed(feed_id)
    assert (row.status, row.consecutive_failures, row.last_error) == (
        "failing",
        2,
        "HTTP 404",
    )
    assert row.first_failure_at == NOW


async def test_backoff_is_capped(rig: Rig) -> None:
    feed_id = rig.add_feed("/status/500")
    rig.store.write_sync(
        lambda conn: conn.execute(
            update(feeds).values(consecutive_failures=30, first_failure_at=NOW)
        )
    )
    outcome = await rig.poll(feed_id)
    assert outcome.next_poll_at == NOW + timedelta(seconds=CONFIG.poll.max_backoff_s)


async def test_retry_after_is_honoured(rig: Rig) -> None:
    rig.server.add("/busy", "x", status=429, headers={"Retry-After": "5000"})
    outcome = await rig.poll(rig.add_feed("/busy"))
    assert outcome.error == "HTTP 429"
    assert outcome.next_poll_at == NOW + timedelta(seconds=5000)


def _subscribe(conn: Connection, chat_id: int, feed_id: int) -> None:
    conn.execute(chats.insert().values(id=chat_id, kind="private", created_at=NOW, updated_at=NOW))
    conn.execute(subscriptions.insert().values(chat_id=chat_id, feed_id=feed_id, created_at=NOW))


async def test_410_kills_the_feed_and_tells_chats_once(rig: Rig) -> None:
    feed_id = rig.add_feed("/status/410", catalogue=False)
    rig.store.write_sync(_subscribe, 42, feed_id)
    outcome = await rig.poll(feed_id)
    assert (outcome.status, outcome.notify_chats) == ("dead", (42,))
    assert "has stopped working (HTTP 410)" in outcome.notice
    assert rig.feed(feed_id).dead_notified is True
    assert await rig.store.write(feed_queries.claim_due_feeds, NOW + timedelta(days=30), 60) == []
    again = await rig.poll(feed_id)
    assert again.notify_chats == ()


async def test_failing_for_dead_after_s_kills_the_feed(rig: Rig) -> None:
    feed_id = rig.add_feed("/status/500")
    rig.store.write_sync(_subscribe, 7, feed_id)
    assert (await rig.poll(feed_id)).status == "failed"
    later = NOW + timedelta(seconds=CONFIG.poll.dead_after_s)
    outcome = await rig.poll(feed_id, later)
    assert (outcome.status, outcome.notify_chats) == ("dead", (7,))


async def test_a_feed_that_turns_into_a_web_page_fails_and_offers_its_feeds(rig: Rig) -> None:
    rig.server.add("/moving", rss(["a"]))
    feed_id = rig.add_feed("/moving")
    assert (await rig.poll(feed_id)).status == "ok"
    page = (TEST_DATA / "feeds" / "page_with_feed.html").read_bytes()
    rig.server.add("/moving", page, content_type="text/html")
    outcome = await rig.poll(feed_id)
    assert outcome.error == "not a feed: the URL is a web page"
    assert outcome.discovered[0] == rig.server.url_for("/feeds/rss20.xml")
    assert rig.feed(feed_id).url == rig.server.url_for("/moving")  # not moved silently


async def test_a_page_never_read_as_a_feed_resolves_to_the_first_feed_it_links(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    page = rig.server.url_for("/feeds/page_with_feed.html")
    feed = rig.server.url_for("/feeds/rss20.xml")
    with caplog.at_level(logging.INFO, logger="bot.services.polling"):
        outcome = await rig.poll(rig.add_feed("/feeds/page_with_feed.html"))
    assert (outcome.status, outcome.moved_to) == ("resolved", feed)
    [line] = [r.getMessage() for r in caplog.records if "is a web page" in r.getMessage()]
    assert line == (
        f"feed {page} is a web page; using its feed {feed} "
        "(it also links to https://atom.example.org/feed.atom)"
    )
    row = rig.feed(outcome.feed_id)
    assert (row.url, row.page_url, row.status, row.name) == (
        feed,
        page,
        "new",
        "/feeds/page_with_feed.html",
    )
    assert (await rig.poll(outcome.feed_id)).status == "ok"
    # The catalogue naming the page again finds the feed it became: no second feed.
    entry = CatalogueFeed(url=page, name="/feeds/page_with_feed.html")
    rig.store.write_sync(feed_queries.sync_catalogue, [entry], NOW)
    listed = rig.store.read_sync(feed_queries.list_feeds)
    assert [(f.url, f.is_catalogue) for f in listed] == [(feed, True)]


async def test_invalid_content_is_a_failure_with_a_sentence(rig: Rig) -> None:
    rig.server.add("/junk", b"\x00\x01\x02 not xml at all")
    outcome = await rig.poll(rig.add_feed("/junk"))
    assert outcome.error == "not a feed: the content could not be read as RSS or Atom"


async def test_timeout_is_recorded_as_last_error(rig: Rig) -> None:
    feed_id = rig.add_feed("/slow")
    await rig.poll(feed_id)
    assert rig.feed(feed_id).last_error == "timed out after 1 s"


async def test_permanent_redirect_updates_the_url(rig: Rig) -> None:
    feed_id = rig.add_feed("/redirect/301")
    outcome = await rig.poll(feed_id)
    assert outcome.moved_to == rig.server.url_for("/feeds/rss20.xml")
    assert rig.feed(feed_id).url == outcome.moved_to


async def test_permanent_redirect_to_a_known_feed_merges(rig: Rig) -> None:
    target = rig.add_feed("/feeds/rss20.xml", catalogue=False)
    old = rig.add_feed("/redirect/308", catalogue=False)
    rig.store.write_sync(_subscribe, 5, old)
    outcome = await rig.poll(old)
    assert outcome.feed_id == target
    assert rig.store.read_sync(feed_queries.feed_by_id, old) is None
    assert rig.store.read_sync(feed_queries.subscriber_chats, target) == [5]


async def test_temporary_redirect_keeps_the_url(rig: Rig) -> None:
    feed_id = rig.add_feed("/redirect/302")
    outcome = await rig.poll(feed_id)
    assert outcome.moved_to is None
    assert rig.feed(feed_id).url == rig.server.url_for("/redirect/302")


async def test_poll_due_polls_catalogue_and_subscribed_feeds_only(rig: Rig) -> None:
    rig.server.add("/cat.xml", rss(["c"]))
    rig.server.add("/chat.xml", rss(["h"]))
    rig.server.add("/orphan.xml", rss(["o"]))
    rig.add_feed("/cat.xml")
    chat_feed = rig.add_feed("/chat.xml", catalogue=False)
    rig.add_feed("/orphan.xml", catalogue=False)
    rig.store.write_sync(_subscribe, 1, chat_feed)
    report = await rig.poller.poll_due(NOW)
    assert sorted(o.url.rsplit("/", 1)[1] for o in report.outcomes) == ["cat.xml", "chat.xml"]
    assert report.new == 2
    assert rig.server.count("/orphan.xml") == 0
    assert (await rig.poller.poll_due(NOW + timedelta(seconds=30))).outcomes == ()
    later = await rig.poller.poll_due(NOW + timedelta(seconds=601))
    assert len(later.outcomes) == 2


async def test_catalogue_sync(rig: Rig) -> None:
    a = CatalogueFeed(url="https://a.example.org/feed", name="A", default=True)
    b = CatalogueFeed(url="https://b.example.org/feed", name="B")
    rig.store.write_sync(feed_queries.sync_catalogue, [a, b], NOW)
    rig.store.write_sync(feed_queries.sync_catalogue, [b], NOW)
    listed = {row.url: row for row in rig.store.read_sync(feed_queries.list_feeds)}
    assert listed[a.url].is_catalogue is False
    assert listed[a.url].name is None
    assert (listed[b.url].is_catalogue, listed[b.url].name) == (True, "B")


async def test_jitter_spreads_next_polls(rig: Rig, db_url: str) -> None:
    poller = Poller(
        rig.store, rig.poller.fetcher, replace(CONFIG, poll=replace(CONFIG.poll, jitter_s=30))
    )
    rig.server.add("/j.xml", rss(["j"]))
    outcome = await poller.poll_feed(rig.feed(rig.add_feed("/j.xml")), NOW)
    assert outcome.next_poll_at is not None
    assert NOW + timedelta(seconds=600) <= outcome.next_poll_at <= NOW + timedelta(seconds=630)


def test_backlog_is_all_but_the_newest_items() -> None:
    from bot.core.feeds import parse_feed

    feed = parse_feed(rss(["new", "mid", "old"]), "https://t.example.org/feed")
    reversed_entries = tuple(reversed(feed.entries))
    assert [e.title for e in sort_newest_first(reversed_entries)] == [
        "Story new",
        "Story mid",
        "Story old",
    ]
    assert backlog_keys(reversed_entries, 1) == {
        "https://t.example.org/mid",
        "https://t.example.org/old",
    }


async def test_revived_dead_feed_is_polled_again(rig: Rig) -> None:
    feed_id = rig.add_feed("/status/410")
    assert (await rig.poll(feed_id)).status == "dead"
    rig.server.add("/status/410", rss(["back"]))
    rig.store.write_sync(feed_queries.revive_feed, feed_id, NOW)
    report = await rig.poller.poll_due(NOW)
    assert [o.status for o in report.outcomes] == ["ok"]
    assert rig.feed(feed_id).dead_notified is False


def test_feed_urls_are_stored_in_canonical_form(rig: Rig) -> None:
    first = rig.store.write_sync(
        feed_queries.add_feed, "HTTPS://Example.ORG:443/feed?utm_source=x", NOW
    )
    second = rig.store.write_sync(feed_queries.add_feed, "https://example.org/feed", NOW)
    assert first == second
    assert rig.feed(first).url == "https://example.org/feed"
    assert rig.store.read_sync(feed_queries.feed_by_url, "https://EXAMPLE.org/feed#x") is not None


POISON_FEED = (
    b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Poison&#0;</title>'
    b"<item><title>Good one</title><link>http://p.example/1</link><description>ok</description>"
    b"</item><item><title>NUL &#0; here\x01</title><link>http://p.example/2</link>"
    b"<description>a\x00b</description></item>"
    b"<item><title>Lone &#xD800; surrogate &#55296; and &#99999999999;</title>"
    b"<link>http://p.example/3&#x1;</link><guid>tag:p.example,2026:3&#0;</guid>"
    b"<description>c&#xDFFF;d</description></item></channel></rss>"
)


async def test_bad_characters_in_one_entry_do_not_reject_the_feed(rig: Rig) -> None:
    rig.server.add("/poison.xml", POISON_FEED)
    feed_id = rig.add_feed("/poison.xml")
    for _ in range(2):  # and the next poll is not a failure either
        outcome = await rig.poll(feed_id)
        assert outcome.status == "ok", outcome  # type: ignore[attr-defined]
        rig.store.write_sync(
            lambda conn: conn.execute(update(feeds).values(etag=None, content_hash=None))
        )

    def titles(conn: Connection) -> list[tuple[str, str, str]]:
        query = select(stories.c.title, stories.c.teaser, stories.c.key).order_by(stories.c.id)
        return [(r.title, r.teaser, r.key) for r in conn.execute(query)]

    assert rig.store.read_sync(titles) == [
        ("Good one", "ok", "http://p.example/1"),
        ("NUL here", "ab", "http://p.example/2"),
        ("Lone surrogate and", "cd", "guid:tag:p.example,2026:3"),
    ]
    assert rig.feed(feed_id).title == "Poison"


_TITLE_BYTES = st.binary(max_size=40) | st.text(max_size=20).map(
    lambda t: t.encode("utf-8", "surrogatepass")
)


def test_random_bytes_in_titles_never_fail_a_poll(store: Store) -> None:
    """Whatever bytes a stranger puts in titles, the good entry is stored and the poll is ok."""
    examples = itertools.count()

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(junk=st.lists(_TITLE_BYTES, min_size=1, max_size=3))
    def poll_once(junk: list[bytes]) -> None:
        n = next(examples)
        site = f"http://r{n}.example".encode()
        items = b"".join(
            b"<item><title>" + j + b"</title><link>" + site + b"/" + str(i).encode() + b"</link>"
            b"<description>" + j + b"</description></item>"
            for i, j in enumerate(junk)
        )
        body = (
            b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>R</title>'
            b"<item><title>Good</title><link>"
            + site
            + b"/good</link></item>"
            + items
            + b"</channel></rss>"
        )
        feed_url = site.decode() + "/feed"
        feed_id = store.write_sync(feed_queries.add_feed, feed_url, NOW, name=f"r{n}")
        parsed = parse_feed(body, feed_url)
        recorded = store.write_sync(record_entries, feed_id, parsed.entries, NOW)
        assert recorded.new >= 1
        keys = store.read_sync(lambda c: set(c.execute(select(stories.c.key)).scalars()))
        assert site.decode() + "/good" in keys

    poll_once()


async def test_feeds_are_parsed_in_the_workers_with_a_budget(
    rig: Rig, workers: ProcessWorkers
) -> None:
    rig.server.add("/w.xml", rss(["one", "two"]))
    rig.server.add("/slow.xml", rss([f"item{i}" for i in range(5000)]))
    poller = Poller(rig.store, rig.poller.fetcher, CONFIG, workers=workers)
    fine = rig.add_feed("/w.xml")
    assert (await poller.poll_feed(rig.feed(fine), NOW)).status == "ok"
    assert len(rig.stories()) == 2
    slow = rig.add_feed("/slow.xml")
    hasty = Poller(rig.store, rig.poller.fetcher, CONFIG, workers=workers, parse_budget_s=0.2)
    outcome = await hasty.poll_feed(rig.feed(slow), NOW)
    assert outcome.status == "failed"
    assert outcome.error == "the feed could not be read in time: ran out of its 0.2 s budget"
    assert len(rig.stories()) == 2, "nothing of the unread feed is stored"
