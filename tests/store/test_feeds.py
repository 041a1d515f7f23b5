"""Feed queries on both databases: the batched 304 write equals the row-by-row one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Connection, event, insert, select, update

from bot.config import CatalogueFeed
from bot.core.models import Feed
from bot.store import feeds as feed_queries
from bot.store.engine import Store
from bot.store.schema import feeds

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
IST = timezone(timedelta(hours=5, minutes=30))
FEEDS = 350  # more than one chunk of the batched UPDATE


def _seed(conn: Connection, prefix: str) -> list[int]:
    rows = [{"url": f"http://127.0.0.1/{prefix}/{i}.xml", "created_at": T0} for i in range(FEEDS)]
    conn.execute(insert(feeds), rows)
    ids = list(conn.execute(select(feeds.c.id).where(feeds.c.url.like(f"%/{prefix}/%"))).scalars())
    # Failing feeds become healthy on a 304.
    conn.execute(
        update(feeds)
        .where(feeds.c.id.in_(ids))
        .values(status="failing", consecutive_failures=3, first_failure_at=T0, dead_notified=True)
    )
    return sorted(ids)


def _answers(ids: list[int]) -> list[dict[str, Any]]:
    rows = []
    for n, feed_id in enumerate(ids):
        now = T0 + timedelta(seconds=n % 3)  # several `now`s in one batch
        rows.append(
            {
                "id": feed_id,
                "now": now.astimezone(IST) if n % 2 else now,  # aware, any offset
                "next_poll_at": now + timedelta(minutes=10 + n % 7),
                "min_next_poll_s": None if n % 4 else 600,
            }
        )
    rows.append({**rows[0], "next_poll_at": T0 + timedelta(hours=5)})  # a feed twice: last wins
    return rows


def _state(conn: Connection, ids: list[int]) -> list[tuple[Any, ...]]:
    c = feeds.c
    stmt = (
        select(
            c.status,
            c.last_polled_at,
            c.last_success_at,
            c.consecutive_failures,
            c.first_failure_at,
            c.dead_notified,
            c.next_poll_at,
            c.min_next_poll_s,
        )
        .where(c.id.in_(ids))
        .order_by(c.id)
    )
    return [tuple(row) for row in conn.execute(stmt)]


def test_batched_not_modified_equals_row_by_row(store: Store) -> None:
    batched, each = store.write_sync(_seed, "a"), store.write_sync(_seed, "b")
    store.write_sync(feed_queries.record_not_modified_many, _answers(batched))
    store.write_sync(feed_queries._record_not_modified_each, _answers(each))
    got, expected = store.read_sync(_state, batched), store.read_sync(_state, each)
    assert got == expected
    assert got[0][0] == "ok"
    assert got[0][6] == T0 + timedelta(hours=5)
    assert got[1][1] == T0 + timedelta(seconds=1)  # stored as UTC whatever the offset
    assert {row[7] for row in got} == {None, 600}


def _names(conn: Connection) -> list[tuple[str, str]]:
    rows = conn.execute(select(feeds, feed_queries.display_name_sql().label("shown"))).mappings()
    return sorted(
        (row["shown"], Feed(**{k: v for k, v in row.items() if k != "shown"}).display_name)
        for row in rows
    )


def test_display_name_is_the_catalogue_title_then_the_feed_title_never_the_slug(
    store: Store,
) -> None:
    catalogue = [
        CatalogueFeed("http://127.0.0.1/w.xml", "wire-world", title="Wire World"),
        CatalogueFeed("http://127.0.0.1/t.xml", "tech-ledger"),
    ]
    store.write_sync(feed_queries.sync_catalogue, catalogue, T0)
    store.write_sync(feed_queries.add_feed, "http://127.0.0.1/c.xml", T0)
    shown = store.read_sync(_names)
    assert [sql for sql, _ in shown] == [py for _, py in shown]  # one rule, in SQL and Python
    assert [sql for sql, _ in shown] == ["Wire World", "http://127.0.0.1/c.xml", "tech-ledger"]

    def titled(conn: Connection) -> None:
        conn.execute(update(feeds).values(title="The Feed's Own Title"))

    store.write_sync(titled)  # a poll learnt each feed's own title: it beats the slug
    shown = store.read_sync(_names)
    assert [sql for sql, _ in shown] == [py for _, py in shown]
    assert sorted(sql for sql, _ in shown) == ["The Feed's Own Title"] * 2 + ["Wire World"]
    store.write_sync(feed_queries.sync_catalogue, [], T0)  # out of the catalogue: no label
    assert {sql for sql, _ in store.read_sync(_names)} == {"The Feed's Own Title"}


def test_an_unchanged_catalogue_is_synced_without_rewriting_its_feeds(store: Store) -> None:
    catalogue = [
        CatalogueFeed(f"http://127.0.0.1/c/{i}.xml", f"feed-{i}", default=i < 3, title=f"F {i}")
        for i in range(300)
    ]
    store.write_sync(feed_queries.sync_catalogue, catalogue, T0)
    writes: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            writes.append(statement)

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        store.write_sync(feed_queries.sync_catalogue, catalogue, T0)  # a restart, unchanged
        assert len(writes) == 1  # only the remembered list of the config's URLs
        changed = [*catalogue[:-1], CatalogueFeed(catalogue[-1].url, "feed-last", title="L")]
        writes.clear()
        store.write_sync(feed_queries.sync_catalogue, changed, T0)
    finally:
        event.remove(store.engine, "before_cursor_execute", count)
    assert sum(w.lstrip().upper().startswith("UPDATE FEEDS") for w in writes) == 1
    renamed = store.read_sync(feed_queries.find_feed, "feed-last")
    assert renamed is not None
    assert renamed.display_name == "L"
