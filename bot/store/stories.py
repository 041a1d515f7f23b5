"""Queries on stories: record the entries of one poll, and the enrichment step's reads and writes.

A story is stored once per key (`bot.core.feeds.entry_key`); `story_sources` remembers which feeds
carried it and under which item key, so an entry seen once is never new again, whichever feed
brings it back and however often it leaves and re-enters a feed.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, bindparam, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.core.feeds import Entry, ParsedFeed
from bot.core.models import PendingStory
from bot.core.text.extract import MAX_TEXT_CHARS
from bot.core.text.keywords import join_keywords, split_keywords
from bot.core.textnorm import search_text
from bot.store import feeds as feed_queries
from bot.store.schema import stories, story_sources

_TEASER_CHARS = 2000
_CHUNK = 500  # keys per IN (...) list


@dataclass(frozen=True)
class RecordResult:
    """What recording one poll's entries did."""

    new: int = 0  # stories created in state 'new'
    backlog: int = 0  # stories created in state 'seen' (first poll)
    linked: int = 0  # known stories now also carried by this feed
    known: int = 0  # entries this feed had already brought


def record_entries(
    conn: Connection,
    feed_id: int,
    entries: Sequence[Entry],
    now: datetime,
    backlog_keys: Collection[str] = (),
    page_budget: int | None = None,
) -> RecordResult:
    """Store one poll's entries (call inside one transaction); `backlog_keys` become 'seen'.

    Only the first `page_budget` new stories (in feed order, newest first) may have their page
    fetched; the others are summarised from the feed's own text, so a feed that suddenly lists
    20,000 items costs at most that many fetches and loses none. A handful of statements per
    poll, whatever the number of entries: known item keys, known stories, one multi-row
    insert of new stories and one of new sources.
    """
    known = _existing(conn, story_sources.c.item_key, [e.key for e in entries], feed_id)
    fresh = [entry for entry in entries if entry.key not in known]
    if not fresh:
        return RecordResult(known=len(known))
    keys = [entry.key for entry in fresh]
    existing = set(_story_ids(conn, keys))
    new_rows = [
        _story_row(feed_id, entry, now, entry.key in backlog_keys)
        for entry in fresh
        if entry.key not in existing
    ]
    if page_budget is not None:
        new = [row for row in new_rows if row["state"] == "new"]
        for row in new[page_budget:]:
            row["fetch_page"] = False
    inserted = _insert_ignore_many(conn, stories, new_rows, ["key"], returning="key")
    new_rows = [row for row in new_rows if row["key"] in inserted]
    _fill_categories(conn, [e for e in fresh if e.key not in inserted and e.categories])
    ids = _story_ids(conn, keys)
    sources = [
        {
            "feed_id": feed_id,
            "item_key": entry.key,
            "story_id": ids[entry.key],
            "url": entry.link,
            "first_seen_at": now,
        }
        for entry in fresh
    ]
    _insert_ignore_many(conn, story_sources, sources, ["feed_id", "item_key"])
    backlog = sum(1 for row in new_rows if row["state"] == "seen")
    return RecordResult(
        new=len(new_rows) - backlog,
        backlog=backlog,
        linked=len(fresh) - len(new_rows),
        known=len(known),
    )


def _fill_categories(conn: Connection, entries: list[Entry]) -> None:
    """Give a known story this feed's categories when the feed that brought it had none.

    A story keeps its first categories (a re-poll changes nothing); one whose first carrier
    sent none takes those of the next feed that carries it, so its tags still start with one.
    """
    if not entries:
        return
    stmt = (
        update(stories)
        .where(stories.c.key == bindparam("entry_key"), stories.c.categories == "")
        .values(categories=bindparam("entry_categories"))
    )
    conn.execute(
        stmt,
        [{"entry_key": e.key, "entry_categories": join_keywords(e.categories)} for e in entries],
    )


def _existing(conn: Connection, column: Any, keys: list[str], feed_id: int) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), _CHUNK):
        query = select(column).where(
            story_sources.c.feed_id == feed_id, column.in_(keys[start : start + _CHUNK])
        )
        found.update(conn.execute(query).scalars())
    return found


def _story_ids(conn: Connection, keys: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for start in range(0, len(keys), _CHUNK):
        query = select(stories.c.key, stories.c.id).where(
            stories.c.key.in_(keys[start : start + _CHUNK])
        )
        ids.update((row.key, int(row.id)) for row in conn.execute(query))
    return ids


def _story_row(feed_id: int, entry: Entry, now: datetime, backlog: bool) -> dict[str, Any]:
    return {
        "key": entry.key,
        "feed_id": feed_id,
        "url": entry.link,
        "title": entry.title[:1000],
        "published_at": entry.published,
        "teaser": entry.summary[:_TEASER_CHARS],
        "text": entry.content[:MAX_TEXT_CHARS],
        "categories": join_keywords(entry.categories),
        "state": "seen" if backlog else "new",
        "fetch_page": True,
        # Searchable at once (backlog stories are never enriched); enrichment rewrites it.
        "search_doc": search_text(entry.title, "", f"{entry.summary}\n{entry.content}"),
        "created_at": now,
        "updated_at": now,
    }


def _insert_ignore_many(
    conn: Connection,
    table: Table,
    rows: list[dict[str, Any]],
    conflict: list[str],
    returning: str | None = None,
) -> set[Any]:
    """INSERT many rows in one statement, skipping those that collide on `conflict`.

    With `returning`, that column of the rows this statement inserted: a row another
    transaction inserted first (two feeds carrying one story, polled at once) is not among
    them, so exactly one of the two counts it as new and the other as linked.
    """
    if not rows:
        return set()
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).on_conflict_do_nothing(index_elements=conflict)
    if returning is None:
        conn.execute(stmt, rows)
        return set()
    return set(conn.execute(stmt.returning(table.c[returning]), rows).scalars())


_ENRICH_COLUMNS = (
    stories.c.id,
    stories.c.url,
    stories.c.title,
    stories.c.teaser,
    stories.c.text,
    stories.c.fetch_page,
    stories.c.enrich_attempts,
)


def claim_enrichment(
    conn: Connection,
    limit: int,
    now: datetime,
    lease_s: float,
    max_attempts: int,
    skip: Collection[int] = (),
) -> list[PendingStory]:
    """Lease up to `limit` 'new' stories to this process, oldest first; count the attempt.

    A story is leased for `lease_s`: another process sharing the database skips it, and if
    this one dies it is claimed again after the lease. One that has been claimed
    `max_attempts` times without being saved is given up: state 'failed', with its reason.
    """
    expired = now - timedelta(seconds=lease_s)
    free = or_(stories.c.enrich_claimed_at.is_(None), stories.c.enrich_claimed_at < expired)
    conn.execute(
        update(stories)
        .where(
            stories.c.state == "new",
            stories.c.enrich_attempts >= max_attempts,
            free,
            stories.c.id.notin_(list(skip) or [-1]),
        )
        .values(
            state="failed",
            enrich_error=func.substr(
                literal(f"gave up after {max_attempts} attempts: ") + stories.c.enrich_error,
                1,
                500,
            ),
            updated_at=now,
        )
    )
    query = select(*_ENRICH_COLUMNS).where(stories.c.state == "new", free)
    if skip:
        query = query.where(stories.c.id.notin_(list(skip)))
    query = query.order_by(stories.c.id).limit(limit)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=stories)
    rows = [PendingStory(**row, claimed_at=now) for row in conn.execute(query).mappings()]
    if rows:
        conn.execute(
            update(stories)
            .where(stories.c.id.in_([row.id for row in rows]))
            .values(enrich_claimed_at=now, enrich_attempts=stories.c.enrich_attempts + 1)
        )
    return rows


def release_enrichment(conn: Connection, story_ids: Collection[int]) -> None:
    """Hand back stories this process claimed but did not finish (it is stopping).

    Their lease ends now and the attempt is not counted, so a restart takes them at once.
    """
    if not story_ids:
        return
    conn.execute(
        update(stories)
        .where(stories.c.id.in_(list(story_ids)), stories.c.state == "new")
        .values(
            enrich_claimed_at=None,
            enrich_attempts=func.max(stories.c.enrich_attempts - 1, 0)
            if conn.dialect.name == "sqlite"
            else func.greatest(stories.c.enrich_attempts - 1, 0),
        )
    )


def record_enrichment_failure(conn: Connection, story_id: int, now: datetime, error: str) -> None:
    """Remember why saving a story's enrichment failed; its lease makes it wait to be retried."""
    conn.execute(
        update(stories)
        .where(stories.c.id == story_id, stories.c.state == "new")
        .values(enrich_error=error[:500], updated_at=now)
    )


def recent_signatures(conn: Connection, since: datetime) -> list[tuple[int, str]]:
    """(id, signature) of enriched, non-duplicate stories created since `since`."""
    query = select(stories.c.id, stories.c.signature).where(
        stories.c.created_at >= since,
        stories.c.signature != "",
        stories.c.state.in_(("ready", "matched")),
    )
    return [
        (int(row.id), str(row.signature)) for row in conn.execute(query.order_by(stories.c.id))
    ]


def save_enrichment(
    conn: Connection,
    story_id: int,
    now: datetime,
    *,
    text: str,
    summary: str,
    keywords: str,
    language: str,
    signature: str,
    search_doc: str,
    duplicate_of: int | None = None,
    error: str = "",
    claimed_at: datetime | None = None,
) -> bool:
    """Store what enrichment computed: state 'ready', or 'duplicate' of `duplicate_of`.

    `error` says what went wrong on the way (the page timed out, ...), if anything did. With
    `claimed_at`, only while this claim still holds the story (a lease that ended and was
    taken by another process must not be saved twice). False when nothing was saved.
    """
    mine = [stories.c.id == story_id, stories.c.state == "new"]
    if claimed_at is not None:
        mine.append(stories.c.enrich_claimed_at == claimed_at)
    saved = conn.execute(
        update(stories)
        .where(*mine)
        .values(
            text=text[:MAX_TEXT_CHARS],
            summary=summary,
            keywords=keywords,
            language=language[:16],
            signature=signature,
            search_doc=search_doc,
            duplicate_of=duplicate_of,
            state="ready" if duplicate_of is None else "duplicate",
            enrich_error=error[:500],
            enrich_claimed_at=None,
            updated_at=now,
        )
    )
    if saved.rowcount == 0:
        return False
    if duplicate_of is not None:
        # The original is now also carried by the duplicate's feeds (same item keys).
        conn.execute(
            update(story_sources)
            .where(story_sources.c.story_id == story_id)
            .values(story_id=duplicate_of)
        )
        # Match the original again, so chats subscribed only to the duplicate's feed get it;
        # chats that already have it are skipped by the unique (chat, story) delivery.
        conn.execute(
            update(stories)
            .where(stories.c.id == duplicate_of, stories.c.state == "matched")
            .values(state="ready", updated_at=now)
        )
    return True


def compact_stories(conn: Connection, before: datetime, now: datetime, limit: int = 500) -> int:
    """Drop the full text of up to `limit` stories first seen before `before`; return how many.

    Title, summary, keywords and the near-duplicate signature stay, so /latest, digests and
    duplicate detection are unchanged; topic search then finds the story by title and
    keywords only. Stories not yet enriched or matched are left alone.
    """
    rows = conn.execute(
        select(stories.c.id, stories.c.title, stories.c.keywords)
        .where(stories.c.created_at < before, stories.c.text != "")
        .where(stories.c.state.notin_(("new", "ready")))
        .order_by(stories.c.id)
        .limit(limit)
    ).all()
    for row in rows:
        keywords = split_keywords(row.keywords)
        conn.execute(
            update(stories)
            .where(stories.c.id == row.id)
            .values(text="", search_doc=search_text(row.title, keywords, ""), updated_at=now)
        )
    return len(rows)


def record_poll(
    conn: Connection,
    feed_id: int,
    parsed: ParsedFeed,
    validators: tuple[str | None, str | None],
    now: datetime,
    next_at: datetime,
    lower_s: int | None,
    backlog: set[str],
    digest: str | None,
    page_budget: int,
) -> RecordResult:
    """One transaction: the poll's entries and the feed's success (with its ETag and
    Last-Modified, `validators`)."""
    recorded = record_entries(conn, feed_id, parsed.entries, now, backlog, page_budget)
    feed_queries.record_success(
        conn,
        feed_id,
        now,
        next_poll_at=next_at,
        min_next_poll_s=lower_s,
        etag=validators[0],
        last_modified=validators[1],
        content_hash=digest,
        title=parsed.title,
        site_url=parsed.site_url,
        new_items=recorded.new + recorded.backlog + recorded.linked,
    )
    return recorded
