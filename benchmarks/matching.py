"""How fast stories are matched to chats: set-based writes against the row-by-row baseline.

Usage: .venv/bin/python benchmarks/matching.py [--chats 10000] [--stories 10] [--postgres URL]

Builds a store (a temporary SQLite file, or with `--postgres` a throw-away schema on that
server, e.g. postgresql://postgres@127.0.0.1:5432/test) with `--chats` chats subscribed to one
feed (10% also follow a topic the stories match, 20% take a daily digest), and `--stories`
ready stories of that feed. Each side matches the same stories in a fresh store: "row by row"
is the matcher before issue 19 (every target found, then one INSERT per delivery; copied below
as `row_by_row`), "set" the shipped `match_ready`. Both must write the same rows (checked).
Prints wall time, rows and ms per row for each, and a `RESULT` line.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import Connection, insert, select  # noqa: E402

from bot.store.deliveries import add_delivery, mark_matched, ready_stories  # noqa: E402
from bot.store.engine import Store  # noqa: E402
from bot.store.matching import _parsed_topics, due_time, match_ready, story_targets  # noqa: E402
from bot.store.schema import (  # noqa: E402
    chats,
    deliveries,
    feeds,
    stories,
    story_sources,
    subscriptions,
    topics,
)
from tests.support.databases import postgres_schema_url  # noqa: E402

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def seed(conn: Connection, chats_n: int, stories_n: int) -> None:
    """Chats on one feed (some with a topic, some daily) and its ready stories."""
    feed_id = conn.execute(
        insert(feeds).values(url="https://wire.example/rss", created_at=T0).returning(feeds.c.id)
    ).scalar_one()
    rows = [
        {
            "id": 10_000 + i,
            "kind": "private",
            "digest_mode": "daily" if i % 5 == 0 else "instant",
            "digest_times": "08:00" if i % 5 == 0 else "",
            "created_at": T0,
            "updated_at": T0,
        }
        for i in range(chats_n)
    ]
    conn.execute(insert(chats), rows)
    conn.execute(
        insert(subscriptions),
        [{"chat_id": r["id"], "feed_id": feed_id, "created_at": T0} for r in rows],
    )
    conn.execute(
        insert(topics),
        [
            {"chat_id": r["id"], "query": "syria", "created_at": T0}
            for i, r in enumerate(rows)
            if i % 10 == 0
        ],
    )
    seen = T0 + timedelta(minutes=1)
    for n in range(stories_n):
        story_id = conn.execute(
            insert(stories)
            .values(
                key=f"s{n}",
                feed_id=feed_id,
                url=f"https://wire.example/{n}",
                title=f"Syria story {n}",
                summary="",
                search_doc=f"syria story {n}",
                state="ready",
                created_at=seen,
                updated_at=seen,
            )
            .returning(stories.c.id)
        ).scalar_one()
        conn.execute(
            insert(story_sources).values(
                feed_id=feed_id, item_key=f"s{n}", story_id=story_id, first_seen_at=seen
            )
        )


def row_by_row(conn: Connection, now: datetime, *, instant_window_s: float) -> int:
    """The matcher before issue 19: every target in Python, one INSERT per delivery."""
    ready = ready_stories(conn, 500)
    found = _parsed_topics(conn)
    written = 0
    for story_id, seen in ready:
        for chat, reason, thread in story_targets(conn, story_id, found, seen).values():
            due = due_time(chat, now, instant_window_s)
            written += add_delivery(conn, chat.id, story_id, due, reason, now, thread)
        mark_matched(conn, story_id, now)
    return written


def deliveries_of(conn: Connection) -> set[tuple[int, int, str]]:
    """What was written, to check that both sides agree."""
    d = deliveries.c
    return {
        (r.chat_id, r.story_id, r.reason)
        for r in conn.execute(select(d.chat_id, d.story_id, d.reason))
    }


def run(
    url: str, side: Callable[..., int], chats_n: int, stories_n: int
) -> tuple[float, int, set[tuple[int, int, str]]]:
    """Seed a fresh store, match with `side`; (seconds, rows, what was written)."""
    store = Store(url)
    store.upgrade()
    store.write_sync(seed, chats_n, stories_n)
    start = time.perf_counter()
    rows = store.write_sync(side, T0 + timedelta(minutes=2), instant_window_s=5.0)
    seconds = time.perf_counter() - start
    written = store.read_sync(deliveries_of)
    store.close()
    return seconds, rows, written


def main() -> int:
    """Run both sides and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--stories", type=int, default=10)
    parser.add_argument("--postgres", default="", help="a PostgreSQL server URL")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, side in (("row by row", row_by_row), ("set", match_ready)):
            with contextlib.ExitStack() as stack:
                if args.postgres:
                    os.environ["BOT_TEST_DATABASE_URL"] = args.postgres
                    url = stack.enter_context(postgres_schema_url())
                else:
                    url = f"sqlite:///{tmp}/{name.replace(' ', '_')}.sqlite3"
                results[name] = run(url, side, args.chats, args.stories)
            seconds, rows, _ = results[name]
            per_row = 1000 * seconds / max(rows, 1)
            print(f"{name:11} {seconds:7.2f} s  {rows:8d} rows  {per_row:.4f} ms/row")
    same = results["row by row"][2] == results["set"][2]
    base, new = results["row by row"][0], results["set"][0]
    print(
        f"RESULT chats={args.chats} stories={args.stories} rows={results['set'][1]} "
        f"row_by_row_s={base:.2f} set_s={new:.2f} speedup={base / max(new, 1e-9):.1f}x "
        f"same_rows={same}"
    )
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
