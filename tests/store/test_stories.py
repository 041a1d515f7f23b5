"""Recording a poll's entries: what is new, what another feed already carried."""

from __future__ import annotations

import dataclasses
import threading
import time

import pytest
from sqlalchemy import select, text

from bot.core.feeds import Entry
from bot.store.engine import Store
from bot.store.schema import stories
from bot.store.search import latest_stories
from bot.store.stories import RecordResult, record_entries, save_enrichment
from tests.support.databases import postgres_schema_url
from tests.support.story_data import NOW, add_feed

ENTRY = Entry(
    key="https://news.example/a",
    guid="a",
    link="https://news.example/a",
    title="Ferry crews walk out",
    published=NOW,
    summary="Crews walked out.",
    content="",
    author="",
)


def test_a_story_two_feeds_carry_is_new_once_and_linked_once(store: Store) -> None:
    first = store.write_sync(lambda conn: add_feed(conn, "https://one.example/feed"))
    second = store.write_sync(lambda conn: add_feed(conn, "https://two.example/feed"))
    a = store.write_sync(record_entries, first, [ENTRY], NOW)
    b = store.write_sync(record_entries, second, [ENTRY], NOW)
    assert (a.new, a.linked, b.new, b.linked) == (1, 0, 0, 1)


@pytest.mark.postgres
def test_two_feeds_recording_one_story_at_once_count_it_new_exactly_once() -> None:
    """PostgreSQL: the second transaction reads before the first commits, then waits on the
    story's unique key; the insert's own result, not that earlier read, decides what is new."""
    with postgres_schema_url() as url:
        store = Store(url)
        store.upgrade()
        try:
            first = store.write_sync(lambda conn: add_feed(conn, "https://one.example/feed"))
            second = store.write_sync(lambda conn: add_feed(conn, "https://two.example/feed"))
            results: dict[str, RecordResult] = {}
            with store.engine.connect() as a, store.engine.connect() as b:
                a.begin()
                results["a"] = record_entries(a, first, [ENTRY], NOW)  # inserted, uncommitted
                b.begin()
                b_pid = b.execute(text("SELECT pg_backend_pid()")).scalar_one()

                def record_b() -> None:
                    results["b"] = record_entries(b, second, [ENTRY], NOW)
                    b.commit()

                worker = threading.Thread(target=record_b)
                worker.start()
                _wait_for_lock_wait(store, b_pid)  # b saw no story (a has not committed); waits
                a.commit()
                worker.join(timeout=30)
            assert (results["a"].new, results["a"].linked) == (1, 0)
            assert (results["b"].new, results["b"].linked) == (0, 1)
        finally:
            store.close()


def test_a_story_keeps_its_feed_s_categories(db_url: str) -> None:
    """Recorded from the entry, kept across a reopen, and read back in the reader's view."""
    entry = dataclasses.replace(ENTRY, categories=("Middle East", "Crime & Justice"))
    store = Store(db_url)
    store.upgrade()
    feed_id = store.write_sync(lambda conn: add_feed(conn, "https://one.example/feed"))
    store.write_sync(record_entries, feed_id, [entry], NOW)
    store.close()

    reopened = Store(db_url)
    story_id = reopened.read_sync(lambda conn: conn.execute(select(stories.c.id)).scalar_one())
    saved = reopened.write_sync(
        save_enrichment,
        story_id,
        NOW,
        text="Crews walked out.",
        summary="Crews walked out.",
        keywords="Ferry",
        language="en",
        signature="",
        search_doc="ferry crews walk out",
    )
    assert saved
    [view] = reopened.read_sync(latest_stories, None, 5)
    assert view.categories == ("Middle East", "Crime & Justice")
    assert view.keywords == ("Ferry",)
    reopened.close()


def test_a_known_story_takes_the_categories_of_the_next_feed_only_when_it_had_none(
    store: Store,
) -> None:
    feeds = [
        store.write_sync(lambda conn, url=url: add_feed(conn, url))
        for url in ("https://one.example/feed", "https://two.example/feed", "https://3.example/f")
    ]
    with_categories = dataclasses.replace(ENTRY, categories=("Labour", "Ferries"))
    other = dataclasses.replace(ENTRY, categories=("Transport",))
    for feed_id, entry in zip(feeds, (ENTRY, with_categories, other), strict=True):
        store.write_sync(record_entries, feed_id, [entry], NOW)
    store.write_sync(record_entries, feeds[0], [other], NOW)  # a re-poll changes nothing
    stored = store.read_sync(lambda conn: conn.execute(select(stories.c.categories)).scalar_one())
    assert stored == "Labour,Ferries"


def _wait_for_lock_wait(store: Store, pid: int) -> None:
    """Until backend `pid` waits on a lock (read from pg_stat_activity, no fixed sleep)."""
    query = text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid")
    for _ in range(3000):
        with store.engine.connect() as conn:
            if conn.execute(query, {"pid": pid}).scalar() == "Lock":
                return
        time.sleep(0.01)
    raise AssertionError("the second transaction never waited on the first")
