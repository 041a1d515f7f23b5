"""Enrichment: page fetch, extraction, fallbacks and near-duplicates, on a real store."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, func, select

from bot.config import Config, FetchConfig, PollConfig, SummaryConfig
from bot.core.models import PendingStory
from bot.core.text.summarise import MAX_SENTENCES
from bot.core.text.summary_text import load_summary
from bot.net.fetcher import HttpFetcher
from bot.proc.workers import ProcessWorkers
from bot.services.enrich import (
    LEASE_S,
    MAX_ATTEMPTS,
    Enricher,
    decode_html,
    find_original,
)
from bot.services.polling import Poller
from bot.services.story_work import choose_text, enrich_story, warm_up
from bot.store import feeds as feed_queries
from bot.store.engine import Store
from bot.store.schema import stories, story_sources
from bot.store.stories import claim_enrichment, release_enrichment, save_enrichment
from tests.support.databases import sqlite_url
from tests.support.feed_data import rss
from tests.support.feed_server import FeedServer, LoopbackOnlyResolver
from tests.support.hostile_pages import (
    huge_page,
    many_short_lines,
    many_short_paragraphs,
    one_long_sentence,
)
from tests.support.outage import (
    assert_one_line_per_try,
    lines_logged_while_down,
    unreachable_store,
)
from tests.support.paths import TEST_DATA

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
ARTICLE = (TEST_DATA / "articles" / "budget.html").read_bytes()
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
    workers: ProcessWorkers

    async def ingest(self, path: str, items: list[str], config: Config = CONFIG) -> None:
        self.server.add(path, rss(items, site=self.server.url_for("/articles")))
        url = self.server.url_for(path)
        feed_id = self.store.write_sync(feed_queries.add_feed, url, NOW, name=path)
        row = self.store.read_sync(feed_queries.feed_by_id, feed_id)
        await Poller(self.store, self.fetcher, config, rng=random.Random(0)).poll_feed(row, NOW)

    async def enrich(self, config: Config = CONFIG) -> int:
        return await Enricher(self.store, self.fetcher, config, self.workers).enrich_pending(NOW)

    def stories(self) -> list[dict[str, Any]]:
        def query(conn: Connection) -> list[dict[str, Any]]:
            rows = conn.execute(select(stories).order_by(stories.c.id)).mappings()
            return [dict(row) for row in rows]

        return self.store.read_sync(query)


@pytest.fixture
def server(feed_server: FeedServer) -> FeedServer:
    return feed_server


@pytest.fixture
async def rig(db_url: str, server: FeedServer, workers: ProcessWorkers) -> AsyncIterator[Rig]:
    store = Store(db_url)
    store.upgrade()
    async with HttpFetcher(CONFIG.fetch, resolver=LoopbackOnlyResolver()) as fetcher:
        yield Rig(store, fetcher, server, workers)
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
    # Both are enriched at once: whichever is done first is the original.
    first, second = sorted(rig.stories(), key=lambda s: s["state"] != "ready")
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


# Hostile input: time budgets, page budgets, poisoned saves


async def _until(check: Callable[[], bool], what: str) -> None:
    """Wait (event-loop turns, at most ~30 s) until `check()` holds."""
    for _ in range(600):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting until {what}")


def _by_slug(rig: Rig) -> dict[str, dict[str, Any]]:
    return {s["url"].rsplit("/", 1)[1]: s for s in rig.stories()}


async def test_a_story_out_of_time_uses_feed_text_and_the_other_its_page(rig: Rig) -> None:
    rig.server.add("/articles/hostile", many_short_paragraphs(16_000), content_type="text/html")
    rig.server.add("/articles/budget", ARTICLE, content_type="text/html")
    await rig.ingest("/f.xml", ["hostile", "budget"])
    tight = ProcessWorkers(2, 1.0, warm_up=warm_up)
    # Both workers started and warm first: on a loaded machine their start-up alone can take
    # longer than the 1 s budget, and this test is about the work, not the start.
    await asyncio.gather(*(tight.run(warm_up, timeout_s=60) for _ in range(2)))
    enricher = Enricher(rig.store, rig.fetcher, CONFIG, tight)
    stop = asyncio.Event()
    running = asyncio.create_task(enricher.run_forever(stop, tick_s=0.05))
    try:
        # Both finish: the good story from its page, the hostile one from its feed's text once
        # its worker is killed. Which finishes first is not asserted: on a loaded machine the
        # good story alone can outlast the hostile one's 1 s (benchmarks/hostile.py measures
        # the throughput instead).
        await _until(lambda: _by_slug(rig)["budget"]["state"] == "ready", "budget is ready")
        await _until(lambda: _by_slug(rig)["hostile"]["state"] == "ready", "hostile is ready")
    finally:
        stop.set()
        await running
        tight.close()
    hostile, good = _by_slug(rig)["hostile"], _by_slug(rig)["budget"]
    assert hostile["text"] == "Teaser of hostile."
    assert hostile["enrich_error"] == "page: ran out of its 1 s budget"
    assert load_summary(hostile["summary"])[0] == ("Teaser of hostile.",)
    assert "201 votes to 180" in good["text"]
    assert good["enrich_error"] == ""
    assert enricher.counts["page"] == 1
    assert enricher.counts["teaser"] == 1


@pytest.mark.parametrize(
    "page",
    [many_short_lines(), one_long_sentence(16_000), huge_page(2_000_000)],
    ids=["8k-lines", "16k-word-sentence", "2MB"],
)
def test_hostile_pages_cost_a_bounded_time(page: str) -> None:
    """Bounded inputs: a summary of any of these is done well inside the default budget."""
    story = PendingStory(1, "https://h.example/a", "Hostile", "t", "")
    done = enrich_story(story, page, SummaryConfig())
    assert len(done.text) <= 200_000
    sentences, _ = load_summary(done.summary)
    assert all(len(s) <= 1000 for s in sentences)
    assert len(done.search_doc.encode()) <= 256_000


async def test_past_the_page_budget_stories_use_the_feed_text_and_none_is_lost(rig: Rig) -> None:
    for slug in ("a", "b", "c", "d", "e"):
        rig.server.add(f"/articles/{slug}", ARTICLE, content_type="text/html")
    config = replace(CONFIG, poll=replace(CONFIG.poll, first_poll_items=10, max_page_fetches=2))
    await rig.ingest("/f.xml", ["a", "b", "c", "d", "e"], config)
    assert await rig.enrich(config) == 5
    fetched = sum(rig.server.count(f"/articles/{slug}") for slug in "abcde")
    assert fetched == 2
    states = _by_slug(rig)
    assert {s["state"] for s in states.values()} <= {"ready", "duplicate"}  # none left behind
    assert [states[slug]["fetch_page"] for slug in "abcde"] == [True, True, False, False, False]
    assert states["c"]["text"] == "Teaser of c."


async def test_a_feed_listing_twenty_thousand_new_items_costs_at_most_the_cap(
    tmp_path: Path, server: FeedServer, workers: ProcessWorkers
) -> None:
    """On SQLite only: the budget's storage is tested on both databases above, and 20,000
    items take 40 s to store on PostgreSQL here."""
    store = Store(sqlite_url(tmp_path))
    store.upgrade()
    async with HttpFetcher(CONFIG.fetch, resolver=LoopbackOnlyResolver()) as fetcher:
        await _twenty_thousand(Rig(store, fetcher, server, workers))
    store.close()


async def _twenty_thousand(rig: Rig) -> None:
    await rig.ingest("/big.xml", ["first"])
    slugs = [f"item{i}" for i in range(20_000)]
    rig.server.add("/big.xml", rss(slugs, site=rig.server.url_for("/articles")))
    row = rig.store.read_sync(feed_queries.feed_by_url, rig.server.url_for("/big.xml"))
    assert row is not None
    outcome = await Poller(rig.store, rig.fetcher, CONFIG).poll_feed(row, NOW)
    assert outcome.new == 20_000

    def budget(conn: Connection) -> tuple[int, int]:
        items = stories.c.url.like("%/item%")
        fetch = select(func.count()).where(items, stories.c.state == "new", stories.c.fetch_page)
        total = select(func.count()).where(items, stories.c.state == "new")
        return conn.execute(fetch).scalar_one(), conn.execute(total).scalar_one()

    assert rig.store.read_sync(budget) == (CONFIG.poll.max_page_fetches, 20_000)


def _poison_saves(conn: Connection) -> None:
    """A trigger that refuses to save any story whose text mentions POISON (a broken row)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(
            "CREATE TRIGGER poison BEFORE UPDATE OF state ON stories "
            "WHEN NEW.text LIKE '%POISON%' BEGIN SELECT RAISE(ABORT, 'poisoned row'); END"
        )
        return
    conn.exec_driver_sql(
        "CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN "
        "IF strpos(NEW.text, 'POISON') > 0 AND NEW.state <> 'new' THEN "
        "RAISE EXCEPTION 'poisoned row'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
    )
    conn.exec_driver_sql(
        "CREATE TRIGGER poison BEFORE UPDATE ON stories FOR EACH ROW EXECUTE FUNCTION poison()"
    )


async def test_a_story_that_cannot_be_saved_is_isolated_then_given_up(rig: Rig) -> None:
    rig.server.add("/articles/budget", ARTICLE, content_type="text/html")
    rig.server.add(
        "/articles/poison",
        ARTICLE.replace(b"201 votes to 180", b"201 votes to 180 POISON"),
        content_type="text/html",
    )
    await rig.ingest("/f.xml", ["poison", "budget"])
    rig.store.write_sync(_poison_saves)
    enricher = Enricher(rig.store, rig.fetcher, CONFIG, rig.workers)
    assert await enricher.enrich_pending(NOW) == 2
    states = _by_slug(rig)
    assert states["budget"]["state"] == "ready"
    assert states["poison"]["state"] == "new"
    assert "database error" in states["poison"]["enrich_error"]
    assert enricher.counts["store_errors"] == 1
    # Leased: not claimed again at once; then retried, and given up after MAX_ATTEMPTS.
    assert await enricher.enrich_pending(NOW) == 0
    when = NOW
    for _ in range(MAX_ATTEMPTS - 1):
        when += timedelta(seconds=LEASE_S + 1)
        assert await enricher.enrich_pending(when) == 1
    when += timedelta(seconds=LEASE_S + 1)
    assert await enricher.enrich_pending(when) == 0
    poison = _by_slug(rig)["poison"]
    assert poison["state"] == "failed"
    assert poison["enrich_error"].startswith(f"gave up after {MAX_ATTEMPTS} attempts: ")


async def test_two_processes_sharing_a_database_enrich_each_story_once(rig: Rig) -> None:
    rig.server.add("/articles/budget", ARTICLE, content_type="text/html")
    await rig.ingest("/f.xml", ["budget", "missing"])
    one = Enricher(rig.store, rig.fetcher, CONFIG, rig.workers)
    two = Enricher(rig.store, rig.fetcher, CONFIG, rig.workers)
    counts = await asyncio.gather(one.enrich_pending(NOW), two.enrich_pending(NOW))
    assert sorted(counts) in ([0, 2], [1, 1])
    assert rig.server.count("/articles/budget") == 1


async def test_a_database_outage_is_one_line_per_try_with_backoff(
    server: FeedServer, workers: ProcessWorkers, caplog: pytest.LogCaptureFixture
) -> None:
    store = unreachable_store()
    async with HttpFetcher(CONFIG.fetch, resolver=LoopbackOnlyResolver()) as fetcher:
        enricher = Enricher(store, fetcher, CONFIG, workers)
        lines = await lines_logged_while_down(
            lambda stop: enricher.run_forever(stop, tick_s=0.05), "bot.services.enrich", caplog
        )
    store.close()
    assert_one_line_per_try(lines)


def _save(rig: Rig, story_id: int, claimed_at: datetime) -> bool:
    return rig.store.write_sync(
        save_enrichment,
        story_id,
        NOW,
        text="t",
        summary="",
        keywords="",
        language="en",
        signature="",
        search_doc="t",
        claimed_at=claimed_at,
    )


async def test_a_save_after_the_lease_was_taken_over_is_refused(rig: Rig) -> None:
    await rig.ingest("/f.xml", ["one"])
    [first] = rig.store.write_sync(claim_enrichment, 5, NOW, LEASE_S, MAX_ATTEMPTS)
    later = NOW + timedelta(seconds=LEASE_S + 1)
    [second] = rig.store.write_sync(claim_enrichment, 5, later, LEASE_S, MAX_ATTEMPTS)
    assert first.id == second.id
    assert not _save(rig, first.id, first.claimed_at), "the old claim no longer holds"
    assert rig.stories()[0]["state"] == "new"
    assert _save(rig, second.id, second.claimed_at)
    assert rig.stories()[0]["state"] == "ready"


async def test_stories_handed_back_at_shutdown_are_claimed_at_once_without_a_lost_attempt(
    rig: Rig,
) -> None:
    await rig.ingest("/f.xml", ["one"])
    [row] = rig.store.write_sync(claim_enrichment, 5, NOW, LEASE_S, MAX_ATTEMPTS)
    assert rig.store.write_sync(claim_enrichment, 5, NOW, LEASE_S, MAX_ATTEMPTS) == []
    rig.store.write_sync(release_enrichment, [row.id])
    [again] = rig.store.write_sync(claim_enrichment, 5, NOW, LEASE_S, MAX_ATTEMPTS)
    assert again.enrich_attempts == 0  # as read before this claim counted it
    assert rig.stories()[0]["enrich_attempts"] == 1


async def test_stopping_the_enricher_hands_its_stories_back(rig: Rig) -> None:
    rig.server.add("/articles/slow", ARTICLE, content_type="text/html", delay_s=5.0)
    await rig.ingest("/f.xml", ["slow"])
    enricher = Enricher(rig.store, rig.fetcher, CONFIG, rig.workers)
    stop = asyncio.Event()
    running = asyncio.create_task(enricher.run_forever(stop, tick_s=0.05))
    await _until(lambda: rig.server.count("/articles/slow") == 1, "the page is being fetched")
    stop.set()
    await running
    (story,) = rig.stories()
    assert story["state"] == "new"
    assert story["enrich_claimed_at"] is None
    assert story["enrich_attempts"] == 0
