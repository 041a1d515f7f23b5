"""Queries on feeds: lookup and add, catalogue sync, due feeds, poll outcomes and health."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, exists, func, or_, select, update

from bot.config import CatalogueFeed
from bot.core.feeds import canonical_url
from bot.core.models import Feed
from bot.store.schema import UTCDateTime, feeds, settings, stories, story_sources, subscriptions
from bot.store.sql import insert_ignore, upsert

_HAS_UPDATE_FROM = sqlite3.sqlite_version_info >= (3, 33, 0)
_NOT_MODIFIED_CHUNK = 300  # rows per statement: 3 parameters each, below SQLite's old limit
_CONFIG_URLS = "catalogue.config_urls"  # settings key: the URLs the config's [[feeds]] listed

# Catalogue feeds are always polled; a feed a chat added only while someone subscribes to it.
_POLLABLE = and_(
    feeds.c.status != "dead",
    or_(
        feeds.c.is_catalogue.is_(True),
        exists().where(subscriptions.c.feed_id == feeds.c.id),
    ),
)


def _one(conn: Connection, condition: Any) -> Feed | None:
    row = conn.execute(select(feeds).where(condition)).mappings().first()
    return Feed(**row) if row is not None else None


def feed_by_id(conn: Connection, feed_id: int) -> Feed | None:
    """The feed with this id, or None."""
    return _one(conn, feeds.c.id == feed_id)


def feed_by_url(conn: Connection, url: str) -> Feed | None:
    """The feed with this URL (compared in canonical form), or None."""
    return _one(conn, feeds.c.url == canonical_url(url))


def find_feed(conn: Connection, ident: str) -> Feed | None:
    """A feed by id, URL or catalogue name (case-insensitive)."""
    if ident.isdigit():
        found = feed_by_id(conn, int(ident))
        if found is not None:
            return found
    return feed_by_url(conn, ident) or _one(conn, func.lower(feeds.c.name) == ident.lower())


def add_feed(
    conn: Connection,
    url: str,
    now: datetime,
    *,
    name: str | None = None,
    is_default: bool = False,
    label: str | None = None,
) -> int:
    """Add the feed at `url` (a catalogue feed when `name` is given); return its id.

    URLs are stored in canonical form (`bot.core.feeds.canonical_url`), so the same feed written
    two ways is one feed.
    """
    url = canonical_url(url)
    resolved = conn.execute(select(feeds.c.id).where(feeds.c.page_url == url)).scalar()
    if resolved is None:  # a web page resolved earlier stays the feed it led to
        values = {"url": url, "created_at": now, "next_poll_at": now}
        insert_ignore(conn, feeds, values, ["url"])
    found = resolved or conn.execute(select(feeds.c.id).where(feeds.c.url == url)).scalar_one()
    feed_id = int(found)
    if name is not None:
        conn.execute(
            update(feeds)
            .where(feeds.c.id == feed_id)
            .values(name=name, is_catalogue=True, is_default=is_default, label=label or None)
        )
    return feed_id


def display_name_sql() -> Any:
    """`Feed.display_name` as a SQL expression, for queries that name feeds in a join."""
    return func.coalesce(
        func.nullif(feeds.c.label, ""), func.nullif(feeds.c.title, ""), feeds.c.name, feeds.c.url
    )


def sync_catalogue(conn: Connection, catalogue: Sequence[CatalogueFeed], now: datetime) -> None:
    """Make the store's catalogue match `[[feeds]]` in the config.

    Feeds that an earlier config listed and this one does not leave the catalogue; feeds put in
    the catalogue by `digest-bot feeds add --name` or OPML import stay (the config's URLs are
    remembered in `settings`, so the two sources do not undo each other).
    """
    urls = sorted({canonical_url(feed.url) for feed in catalogue})
    previous = conn.execute(
        select(settings.c.value).where(settings.c.key == _CONFIG_URLS)
    ).scalar_one_or_none()
    dropped = set(json.loads(previous) if previous else ()) - set(urls)
    if dropped:
        conn.execute(
            update(feeds)
            .where(or_(feeds.c.url.in_(sorted(dropped)), feeds.c.page_url.in_(sorted(dropped))))
            .values(is_catalogue=False, is_default=False, name=None, label=None)
        )
    known = _catalogue_state(conn)
    for feed in catalogue:
        url = canonical_url(feed.url)
        if known.get(url) == (feed.name, feed.default, feed.title or None):
            continue  # as the config says already: a start-up writes only what changed
        add_feed(conn, url, now, name=feed.name, is_default=feed.default, label=feed.title)
    upsert(conn, settings, {"key": _CONFIG_URLS, "value": json.dumps(urls)}, ["key"], ["value"])


def _catalogue_state(conn: Connection) -> dict[str, tuple[str | None, bool, str | None]]:
    """(name, default, label) of every catalogue feed, by its URL and by the page it was given
    as, in one read (so a restart with an unchanged catalogue rewrites none of them)."""
    c = feeds.c
    stmt = select(c.url, c.page_url, c.name, c.is_default, c.label).where(c.is_catalogue)
    state: dict[str, tuple[str | None, bool, str | None]] = {}
    for row in conn.execute(stmt):
        value = (row.name, bool(row.is_default), row.label or None)
        state[row.url] = value
        if row.page_url:
            state[row.page_url] = value
    return state


def claim_due_feeds(
    conn: Connection, now: datetime, lease_s: float, limit: int = 1000
) -> list[Feed]:
    """Feeds to poll now, the most overdue first, leased to the caller for `lease_s` seconds.

    Their `next_poll_at` moves `lease_s` ahead in this transaction (rows locked with SKIP
    LOCKED on PostgreSQL), so another process sharing the database does not poll them too;
    recording the poll sets the real next time, and a poller that dies is replaced when the
    lease ends. The rows are returned as they were before the lease.
    """
    due = or_(feeds.c.next_poll_at.is_(None), feeds.c.next_poll_at <= now)
    query = (
        select(feeds)
        .where(_POLLABLE, due)
        .order_by(feeds.c.next_poll_at.is_not(None), feeds.c.next_poll_at, feeds.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = [Feed(**row) for row in conn.execute(query).mappings()]
    if rows:
        leased = now + timedelta(seconds=lease_s)
        ids = [row.id for row in rows]
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            conn.execute(update(feeds).where(feeds.c.id.in_(chunk)).values(next_poll_at=leased))
    return rows


def pollable_feeds(conn: Connection) -> list[Feed]:
    """Every feed that would be polled when due (for `poll --once`)."""
    query = select(feeds).where(_POLLABLE).order_by(feeds.c.id)
    return [Feed(**row) for row in conn.execute(query).mappings()]


def record_success(
    conn: Connection,
    feed_id: int,
    now: datetime,
    *,
    next_poll_at: datetime,
    min_next_poll_s: int | None,
    etag: str | None,
    last_modified: str | None,
    content_hash: str | None = None,
    title: str | None = None,
    site_url: str | None = None,
    new_items: int = 0,
) -> None:
    """Record a poll that worked; `content_hash` is set for servers without validators."""
    values: dict[str, Any] = {
        "status": "ok",
        "last_polled_at": now,
        "last_success_at": now,
        "consecutive_failures": 0,
        "first_failure_at": None,
        "next_poll_at": next_poll_at,
        "min_next_poll_s": min_next_poll_s,
        "etag": etag,
        "last_modified": last_modified,
        "content_hash": content_hash,
        "dead_notified": False,
        "items_seen": feeds.c.items_seen + new_items,
    }
    if title:
        values["title"] = title
    if site_url:
        values["site_url"] = site_url
    conn.execute(update(feeds).where(feeds.c.id == feed_id).values(**values))


def record_not_modified_many(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Record many 304 answers; each row: id, now, next_poll_at, min_next_poll_s.

    A 304 is the common case of a steady-state poll, so it is written in batches of one
    statement per chunk, not an executemany: the driver steps once per row of those, and each
    step hands the GIL to the event loop thread and back, which made the batch cost the loop
    more than the 304s' HTTP requests.
    """
    if not _HAS_UPDATE_FROM and conn.dialect.name == "sqlite":
        _record_not_modified_each(conn, rows)
        return
    by_now: dict[datetime, list[dict[str, Any]]] = {}
    for row in {row["id"]: row for row in rows}.values():  # a feed twice: the last row wins
        by_now.setdefault(row["now"], []).append(row)
    for now, group in by_now.items():
        for start in range(0, len(group), _NOT_MODIFIED_CHUNK):
            _record_not_modified_chunk(conn, now, group[start : start + _NOT_MODIFIED_CHUNK])


def _record_not_modified_chunk(
    conn: Connection, now: datetime, rows: Sequence[dict[str, Any]]
) -> None:
    """One UPDATE ... FROM (VALUES (id, next_poll_at, min_next_poll_s), ...) for these rows.

    Sent as driver SQL: building and caching thousands of typed bind parameters in
    SQLAlchemy cost more than the update itself. Times go through `UTCDateTime`'s processor.
    """
    dialect = conn.dialect
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    to_db = UTCDateTime().bind_processor(dialect) or (lambda value: value)
    params: list[Any] = [to_db(now), to_db(now), False]
    for row in rows:
        params += (row["id"], to_db(row["next_poll_at"]), row["min_next_poll_s"])
    values = ", ".join([f"({mark}, {mark}, {mark})"] * len(rows))
    conn.exec_driver_sql(
        f"UPDATE feeds SET status = 'ok', last_polled_at = {mark}, last_success_at = {mark},"
        f" consecutive_failures = 0, first_failure_at = NULL, dead_notified = {mark},"
        " next_poll_at = v.column2, min_next_poll_s = CAST(v.column3 AS INTEGER)"
        f" FROM (VALUES {values}) AS v WHERE feeds.id = v.column1",
        tuple(params),
    )


def _record_not_modified_each(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """The same as an executemany, for SQLite before 3.33 (no UPDATE ... FROM)."""
    stmt = (
        update(feeds)
        .where(feeds.c.id == bindparam("b_id"))
        .values(
            status="ok",
            last_polled_at=bindparam("b_now"),
            last_success_at=bindparam("b_now"),
            consecutive_failures=0,
            first_failure_at=None,
            dead_notified=False,
            next_poll_at=bindparam("b_next"),
            min_next_poll_s=bindparam("b_min"),
        )
    )
    keys = {"b_id": "id", "b_now": "now", "b_next": "next_poll_at", "b_min": "min_next_poll_s"}
    conn.execute(stmt, [{key: row[name] for key, name in keys.items()} for row in rows])


def record_failure(
    conn: Connection,
    feed_id: int,
    now: datetime,
    *,
    error: str,
    next_poll_at: datetime,
    min_next_poll_s: int | None,
    dead: bool,
) -> list[int]:
    """Record a failed poll; when the feed is dead, return the chats to tell (once)."""
    conn.execute(
        update(feeds)
        .where(feeds.c.id == feed_id)
        .values(
            status="dead" if dead else "failing",
            last_polled_at=now,
            last_error=error[:500],
            last_error_at=now,
            first_failure_at=func.coalesce(feeds.c.first_failure_at, now),
            consecutive_failures=feeds.c.consecutive_failures + 1,
            next_poll_at=next_poll_at,
            min_next_poll_s=min_next_poll_s,
        )
    )
    if not dead:
        return []
    claimed = conn.execute(
        update(feeds)
        .where(feeds.c.id == feed_id, feeds.c.dead_notified.is_(False))
        .values(dead_notified=True)
    ).rowcount
    return subscriber_chats(conn, feed_id) if claimed else []


def subscriber_chats(conn: Connection, feed_id: int) -> list[int]:
    """The ids of the chats subscribed to a feed."""
    query = select(subscriptions.c.chat_id).where(subscriptions.c.feed_id == feed_id)
    return [int(c) for c in conn.execute(query.order_by(subscriptions.c.chat_id)).scalars()]


def move_feed(conn: Connection, feed_id: int, new_url: str) -> int:
    """Point a feed at `new_url` after a permanent redirect; merge if that URL is known."""
    new_url = canonical_url(new_url)
    other = feed_by_url(conn, new_url)
    if other is None:
        conn.execute(update(feeds).where(feeds.c.id == feed_id).values(url=new_url))
        return feed_id
    if other.id == feed_id:
        return feed_id
    _merge_into(conn, feed_id, other)
    return other.id


def _merge_into(conn: Connection, old_id: int, target: Feed) -> None:
    new_id = target.id
    old = feed_by_id(conn, old_id) or Feed(old_id, "")
    for row in conn.execute(select(subscriptions).where(subscriptions.c.feed_id == old_id)):
        values = {**row._asdict(), "feed_id": new_id}
        insert_ignore(conn, subscriptions, values, ["chat_id", "feed_id"])
    for row in conn.execute(select(story_sources).where(story_sources.c.feed_id == old_id)):
        values = {**row._asdict(), "feed_id": new_id}
        insert_ignore(conn, story_sources, values, ["feed_id", "item_key"])
    conn.execute(update(stories).where(stories.c.feed_id == old_id).values(feed_id=new_id))
    if old.is_catalogue and not target.is_catalogue:
        name, default = old.name, old.is_default
        conn.execute(delete(feeds).where(feeds.c.id == old_id))
        conn.execute(
            update(feeds)
            .where(feeds.c.id == new_id)
            .values(name=name, is_catalogue=True, is_default=default)
        )
        return
    conn.execute(delete(feeds).where(feeds.c.id == old_id))


def resolve_page(conn: Connection, feed_id: int, feed_url: str, now: datetime) -> int:
    """A feed given as a web page: from now on it is the feed the page links to, polled now.

    The page is kept (`page_url`), so the catalogue or a second `feeds add` of the same page
    finds this feed. If the feed URL is known already, the two are merged. Returns the id.
    """
    page = conn.execute(select(feeds.c.url).where(feeds.c.id == feed_id)).scalar()
    new_id = move_feed(conn, feed_id, feed_url)
    conn.execute(
        update(feeds)
        .where(feeds.c.id == new_id)
        .values(
            page_url=page,
            next_poll_at=now,
            status="new",
            consecutive_failures=0,
            first_failure_at=None,
            last_error=None,
        )
    )
    return new_id


def revive_feed(conn: Connection, feed_id: int, now: datetime) -> None:
    """Give a failing or dead feed a fresh start (e.g. when a chat subscribes to it again)."""
    conn.execute(
        update(feeds)
        .where(feeds.c.id == feed_id)
        .values(
            consecutive_failures=0, first_failure_at=None, dead_notified=False, next_poll_at=now
        )
    )
    conn.execute(
        update(feeds).where(feeds.c.id == feed_id, feeds.c.status == "dead").values(status="new")
    )


def revive_if_unhealthy(conn: Connection, feed_id: int, now: datetime) -> bool:
    """Revive a failing or dead feed a chat has just subscribed to; True if it was one."""
    status = conn.execute(select(feeds.c.status).where(feeds.c.id == feed_id)).scalar()
    if status not in ("failing", "dead"):
        return False
    revive_feed(conn, feed_id, now)
    return True


def remove_feed(conn: Connection, feed_id: int) -> None:
    """Delete a feed, its subscriptions and its sources (stories stay)."""
    conn.execute(delete(subscriptions).where(subscriptions.c.feed_id == feed_id))
    conn.execute(delete(story_sources).where(story_sources.c.feed_id == feed_id))
    conn.execute(update(stories).where(stories.c.feed_id == feed_id).values(feed_id=None))
    conn.execute(delete(feeds).where(feeds.c.id == feed_id))


def list_feeds(conn: Connection) -> list[Feed]:
    """Every feed with its health fields and its number of subscribers."""
    count = (
        select(func.count())
        .where(subscriptions.c.feed_id == feeds.c.id)
        .scalar_subquery()
        .label("subscribers")
    )
    query = select(feeds, count).order_by(feeds.c.is_catalogue.desc(), feeds.c.id)
    return [Feed(**row) for row in conn.execute(query).mappings()]
