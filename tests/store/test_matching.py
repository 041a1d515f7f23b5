"""Matching stories to chats and the delivery outbox queries, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, select, update

from bot.store import chats as chat_queries
from bot.store import deliveries as q
from bot.store import filters as filter_queries
from bot.store.engine import Store
from bot.store.matching import match_ready
from bot.store.schema import chats, deliveries, stories, subscriptions, topics
from bot.store.stories import save_enrichment
from tests.support.delivery_data import (
    T0,
    add_chat,
    add_feed,
    add_story,
    add_topic,
    delivery_states,
    subscribe,
)

NOW = T0


def _rows(conn: Connection) -> list[dict[str, object]]:
    stmt = select(deliveries).order_by(deliveries.c.chat_id, deliveries.c.story_id)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def _seed_world(conn: Connection) -> dict[str, int]:
    reuters, ap = add_feed(conn, "Reuters"), add_feed(conn, "AP")
    add_chat(conn, 1)  # subscribed to both feeds and a matching topic
    add_chat(conn, 2, mode="daily", times="08:00,20:00", tz="Europe/Berlin")
    add_chat(conn, 3, active=False)
    add_chat(conn, 4, mode="off")
    add_chat(conn, -5)  # follows a topic only
    add_chat(conn, 6)  # follows a topic that does not match
    subscribe(conn, [1, 2, 3, 4], reuters)
    subscribe(conn, [1], ap)
    add_topic(conn, 1, "syria")
    add_topic(conn, -5, "syria")
    add_topic(conn, 6, "football")
    story = add_story(conn, "a", [reuters, ap], doc="assad syria damascus talks")
    dup = add_story(conn, "b", [ap], state="duplicate", duplicate_of=story, doc="syria assad")
    return {"story": story, "dup": dup, "reuters": reuters}


def test_each_chat_gets_a_story_once_however_it_matches(store: Store) -> None:
    ids = store.write_sync(_seed_world)
    written = store.write_sync(match_ready, NOW, instant_window_s=5.0)
    rows = store.read_sync(_rows)
    assert written == 3
    assert [(r["chat_id"], r["story_id"], r["reason"]) for r in rows] == [
        (-5, ids["story"], "topic:syria"),
        (1, ids["story"], f"feed:{ids['reuters']}"),
        (2, ids["story"], f"feed:{ids['reuters']}"),
    ]
    by_chat = {r["chat_id"]: r for r in rows}
    assert by_chat[1]["due_at"] == NOW + timedelta(seconds=5)
    # 08:00 UTC is 09:00 in Berlin: the next digest is 20:00 Berlin, 19:00 UTC.
    assert by_chat[2]["due_at"] == datetime(2026, 11, 25, 19, 0, tzinfo=UTC)
    assert all(r["state"] == "pending" for r in rows)
    states = store.read_sync(
        lambda c: {r.id: r.state for r in c.execute(select(stories.c.id, stories.c.state))}
    )
    assert states == {ids["story"]: "matched", ids["dup"]: "duplicate"}


def test_matching_again_writes_nothing_new(store: Store) -> None:
    ids = store.write_sync(_seed_world)
    store.write_sync(match_ready, NOW, instant_window_s=0.0)

    def _ready_again(conn: Connection) -> None:
        conn.execute(update(stories).where(stories.c.id == ids["story"]).values(state="ready"))

    store.write_sync(_ready_again)
    assert store.write_sync(match_ready, NOW, instant_window_s=0.0) == 0
    assert len(store.read_sync(_rows)) == 3


def _pending(conn: Connection, chat_id: int, story_id: int, due: datetime) -> None:
    q.add_delivery(conn, chat_id, story_id, due, "feed:1", NOW)


def _seed_outbox(conn: Connection) -> list[int]:
    feed = add_feed(conn, "Wire")
    for chat in (1, 2, 3):
        add_chat(conn, chat)
    subscribe(conn, [1, 2, 3], feed)
    story_ids = [add_story(conn, f"s{i}", [feed], state="matched") for i in range(4)]
    _pending(conn, 1, story_ids[0], NOW)
    _pending(conn, 1, story_ids[1], NOW + timedelta(seconds=3))  # inside the instant window
    _pending(conn, 1, story_ids[2], NOW + timedelta(hours=1))  # a later digest
    _pending(conn, 2, story_ids[0], NOW - timedelta(seconds=1))
    _pending(conn, 3, story_ids[3], NOW + timedelta(minutes=5))
    return story_ids


def test_claim_takes_due_rows_and_their_chats_window(store: Store) -> None:
    s = store.write_sync(_seed_outbox)
    claimed = store.write_sync(q.claim_due, "w1", NOW, 10, ahead_s=5.0)
    assert sorted((c.chat_id, c.story_id) for c in claimed) == [(1, s[0]), (1, s[1]), (2, s[0])]
    assert store.write_sync(q.claim_due, "w2", NOW, 10, ahead_s=5.0) == []
    states = store.read_sync(delivery_states)
    assert states[(1, s[0])] == "sending"
    assert states[(1, s[2])] == "pending"


def test_stale_claims_are_taken_back(store: Store) -> None:
    store.write_sync(_seed_outbox)
    first = store.write_sync(q.claim_due, "dead", NOW, 10)
    assert store.write_sync(q.claim_due, "w2", NOW + timedelta(seconds=1), 10) == []
    later = NOW + timedelta(seconds=700)
    again = store.write_sync(q.claim_due, "w2", later, 10, stale_after_s=600)
    assert {c.id for c in first} <= {c.id for c in again}


def test_retry_counts_attempts_then_fails_but_429_never_counts(store: Store) -> None:
    store.write_sync(_seed_outbox)
    claimed = store.write_sync(q.claim_due, "w", NOW, 1)
    ids = [claimed[0].id]
    assert store.write_sync(q.mark_retry, ids, NOW, "502", count_attempt=True, max_attempts=2) == (
        1,
        0,
    )
    for _ in range(5):
        store.write_sync(q.claim_due, "w", NOW, 10)
        assert store.write_sync(q.requeue, ids, NOW) == 1
    store.write_sync(q.claim_due, "w", NOW, 1)
    assert store.write_sync(q.mark_retry, ids, NOW, "502", count_attempt=True, max_attempts=2) == (
        0,
        1,
    )
    row = store.read_sync(
        lambda c: c.execute(select(deliveries).where(deliveries.c.id == ids[0])).one()
    )
    assert (row.state, row.attempts, row.last_error) == ("failed", 2, "502")


def test_blocked_chat_is_inactive_and_its_rows_stay_cancelled(store: Store) -> None:
    s = store.write_sync(_seed_outbox)
    store.write_sync(q.claim_due, "w", NOW, 10)
    assert store.write_sync(chat_queries.remove_chat, 1, NOW, "Forbidden").cancelled == 3
    states = store.read_sync(delivery_states)
    assert {states[(1, i)] for i in s[:3]} == {"cancelled"}
    assert (
        store.read_sync(lambda c: c.scalar(select(chats.c.active).where(chats.c.id == 1))) is False
    )
    # /start makes the chat active again: old rows stay cancelled and are not written again.
    store.write_sync(lambda c: c.execute(update(chats).where(chats.c.id == 1).values(active=True)))
    assert store.write_sync(q.add_delivery, 1, s[0], NOW, "feed:1", NOW) is False
    later = store.write_sync(q.claim_due, "w", NOW + timedelta(days=1), 10)
    assert all(c.chat_id != 1 for c in later)


def test_migrated_chat_moves_subscriptions_and_deliveries(store: Store) -> None:
    s = store.write_sync(_seed_outbox)
    claimed = store.write_sync(q.claim_due, "w", NOW, 10, ahead_s=5.0)
    mine = [c.id for c in claimed if c.chat_id == 1]
    store.write_sync(q.migrate_chat, 1, -1001, NOW)
    assert store.write_sync(q.requeue, mine, NOW) == 2
    states = store.read_sync(delivery_states)
    assert {k: v for k, v in states.items() if k[0] == -1001} == {
        (-1001, s[0]): "pending",
        (-1001, s[1]): "pending",
        (-1001, s[2]): "pending",
    }
    subs = store.read_sync(lambda c: sorted(c.execute(select(subscriptions.c.chat_id)).scalars()))
    assert subs == [-1001, 2, 3]
    kind = store.read_sync(lambda c: c.scalar(select(chats.c.kind).where(chats.c.id == -1001)))
    assert kind == "supergroup"


def test_subscriptions_and_topics_get_only_stories_first_seen_after_them(store: Store) -> None:
    def seed(conn: Connection) -> int:
        feed = add_feed(conn, "Wire")
        add_chat(conn, 10)
        add_chat(conn, 11)
        subscribe(conn, [10], feed)  # at T0, before the story
        later = T0 + timedelta(hours=1)
        conn.execute(subscriptions.insert().values(chat_id=11, feed_id=feed, created_at=later))
        conn.execute(topics.insert().values(chat_id=11, query="syria", created_at=later))
        return add_story(conn, "old", [feed], doc="syria talks")

    story = store.write_sync(seed)
    store.write_sync(match_ready, NOW + timedelta(hours=2), instant_window_s=0)
    assert store.read_sync(delivery_states) == {(10, story): "pending"}


def test_a_near_duplicate_from_another_feed_reaches_its_own_subscribers_once(
    store: Store,
) -> None:
    def seed(conn: Connection) -> tuple[int, int]:
        x, y = add_feed(conn, "X"), add_feed(conn, "Y")
        for chat in (1, 2, 3):
            add_chat(conn, chat)
        subscribe(conn, [1, 3], x)
        subscribe(conn, [2, 3], y)
        return add_story(conn, "a", [x]), add_story(conn, "b", [y], state="new")

    original, duplicate = store.write_sync(seed)
    store.write_sync(match_ready, NOW, instant_window_s=0)
    store.write_sync(
        save_enrichment,
        duplicate,
        NOW,
        text="same wire story",
        summary="",
        keywords="",
        language="en",
        signature="",
        search_doc="same wire story",
        duplicate_of=original,
    )
    store.write_sync(match_ready, NOW, instant_window_s=0)
    assert store.read_sync(delivery_states) == {
        (1, original): "pending",
        (2, original): "pending",
        (3, original): "pending",
    }


def test_deliveries_go_to_the_forum_topic_their_subscription_or_topic_was_made_in(
    store: Store,
) -> None:
    def seed(conn: Connection) -> dict[str, int]:
        tech, world = add_feed(conn, "Tech"), add_feed(conn, "World")
        add_chat(conn, -100)
        conn.execute(
            subscriptions.insert(),
            [
                {"chat_id": -100, "feed_id": tech, "created_at": T0, "thread_id": 7},
                {"chat_id": -100, "feed_id": world, "created_at": T0, "thread_id": None},
            ],
        )
        conn.execute(
            topics.insert().values(chat_id=-100, query="volcano", created_at=T0, thread_id=9)
        )
        other = add_feed(conn, "Other")
        return {
            "tech": add_story(conn, "t", [tech]),
            "world": add_story(conn, "w", [world]),
            "volcano": add_story(conn, "v", [other], doc="volcano erupts"),
        }

    ids = store.write_sync(seed)
    assert store.write_sync(match_ready, NOW, instant_window_s=0.0) == 3
    threads = {r["story_id"]: r["thread_id"] for r in store.read_sync(_rows)}
    assert threads == {ids["tech"]: 7, ids["world"]: None, ids["volcano"]: 9}
    # The topic is closed: what went there, and what is still to be sent, goes to General.
    assert store.write_sync(chat_queries.forget_thread, -100, 7) == 1
    assert store.write_sync(chat_queries.forget_thread, -100, 7) == 0  # General told once
    assert store.read_sync(chat_queries.subscription_threads, -100) == {}
    assert store.read_sync(chat_queries.topic_threads, -100) == {"volcano": 9}
    threads = {r["story_id"]: r["thread_id"] for r in store.read_sync(_rows)}
    assert threads == {ids["tech"]: None, ids["world"]: None, ids["volcano"]: 9}


def _seed_filters(conn: Connection) -> dict[str, int]:
    wire, sport = add_feed(conn, "Wire"), add_feed(conn, "Sport")
    add_chat(conn, 1)  # Wire filtered to syria, minus football
    add_chat(conn, 2, mode="daily", times="08:00", tz="UTC")  # a digest chat, mutes syria
    add_chat(conn, 3)  # Wire unfiltered, Sport filtered to a query nothing matches
    subscribe(conn, [1, 2, 3], wire)
    subscribe(conn, [3], sport)
    add_topic(conn, 2, "damascus")  # the topic matches too: the mute still holds
    filter_queries.set_filter(conn, 1, wire, "syria -football")
    filter_queries.set_filter(conn, 3, sport, "curling")
    filter_queries.set_mute(conn, 2, "syria", NOW)
    return {
        "syria": add_story(conn, "s", [wire], doc="syria talks in damascus"),
        "football": add_story(conn, "f", [wire], doc="syria football cup"),
        "other": add_story(conn, "o", [wire, sport], doc="harbour festival"),
        "sport": add_story(conn, "p", [sport], doc="tennis final"),
    }


def test_filters_and_mutes_decide_which_chats_a_story_reaches(store: Store) -> None:
    ids = store.write_sync(_seed_filters)
    store.write_sync(match_ready, NOW, instant_window_s=0.0)
    got = {(r["chat_id"], r["story_id"]) for r in store.read_sync(_rows)}
    assert got == {
        (1, ids["syria"]),  # filtered: only the syria story without football
        (2, ids["other"]),  # the digest chat: all but what mentions syria, which it muted
        (3, ids["syria"]),  # unfiltered Wire: everything Wire carried
        (3, ids["football"]),
        (3, ids["other"]),  # also carried by its filtered Sport: Wire lets it through
    }  # nobody gets the sport story: Sport's only subscriber filters it out


def test_a_filter_that_no_longer_parses_lets_nothing_through(store: Store) -> None:
    def seed(conn: Connection) -> int:
        wire = add_feed(conn, "Wire")
        add_chat(conn, 1)
        subscribe(conn, [1], wire)
        conn.execute(update(subscriptions).values(filter="   "))  # no query left in it
        return add_story(conn, "s", [wire], doc="syria")

    store.write_sync(seed)
    assert store.write_sync(match_ready, NOW, instant_window_s=0.0) == 0


def test_set_based_and_row_by_row_chats_each_get_their_own_due_time(store: Store) -> None:
    """Plain instant chats and daily chats (by schedule) are written in sets; a chat with
    quiet hours is matched row by row and waits for their end; each chat gets one row."""

    def seed(conn: Connection) -> int:
        wire, ap = add_feed(conn, "Wire"), add_feed(conn, "AP")
        add_chat(conn, 1)  # plain instant, two carriers: one row, the first carrier's
        add_chat(conn, 2, mode="daily", times="20:00", tz="Europe/Berlin")
        add_chat(conn, 3, mode="daily", times="09:00", tz="UTC")  # another schedule
        add_chat(conn, 4)  # quiet hours: row by row
        conn.execute(update(chats).where(chats.c.id == 4).values(quiet_hours="07:00-10:00"))
        add_chat(conn, 5, mode="daily", times="nonsense")  # no usable time: instant, row by row
        subscribe(conn, [1, 2, 3, 4, 5], wire)
        subscribe(conn, [1], ap)
        add_topic(conn, 1, "syria")  # also matches: still one row for chat 1
        return add_story(conn, "s", [wire, ap], doc="syria talks")

    story = store.write_sync(seed)
    assert store.write_sync(match_ready, NOW, instant_window_s=5.0) == 5
    due = {r["chat_id"]: (r["due_at"], r["reason"]) for r in store.read_sync(_rows)}
    wire_reason = due[1][1]
    assert wire_reason.startswith("feed:")
    assert due == {
        1: (NOW + timedelta(seconds=5), wire_reason),
        2: (datetime(2026, 11, 25, 19, 0, tzinfo=UTC), wire_reason),  # 20:00 in Berlin
        3: (datetime(2026, 11, 25, 9, 0, tzinfo=UTC), wire_reason),
        4: (datetime(2026, 11, 25, 10, 0, tzinfo=UTC), wire_reason),  # after its quiet hours
        5: (NOW + timedelta(seconds=5), wire_reason),
    }
    assert story > 0


def test_a_chat_with_a_filtered_subscription_keeps_its_first_carrier(store: Store) -> None:
    """A filtered subscription that passes and carried the story first gives the reason and
    the forum thread, as row by row: such chats are never written in sets."""

    def seed(conn: Connection) -> dict[str, int]:
        first, second = add_feed(conn, "First"), add_feed(conn, "Second")
        add_chat(conn, 1)
        subscribe(conn, [1], first)
        subscribe(conn, [1], second)
        filter_queries.set_filter(conn, 1, first, "syria")
        return {"first": first, "story": add_story(conn, "s", [first, second], doc="syria")}

    ids = store.write_sync(seed)
    assert store.write_sync(match_ready, NOW, instant_window_s=0.0) == 1
    [row] = store.read_sync(_rows)
    assert row["reason"] == f"feed:{ids['first']}"
