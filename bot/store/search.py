"""Story queries for readers: full-text topic search and the latest stories.

Search goes through the full-text index only: FTS5 `stories_fts` (ranked by bm25) on SQLite,
the GIN-indexed `search` tsvector (ranked by ts_rank) on PostgreSQL. Only enriched stories are
shown (`ready` or `matched`); `new`, `seen` and `duplicate` never are. Both return
`StoryView`s: `story_view` is the one place a stories row becomes what a reader sees, for
pushes, digests, /latest, /topic and the CLI alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    column,
    func,
    literal_column,
    select,
    table,
    text,
)

from bot.core.render import StoryView
from bot.core.text.keywords import split_keywords
from bot.core.text.summary_text import load_summary
from bot.core.topic_query import TopicQuery, to_fts5, to_tsquery
from bot.store.feeds import display_name_sql
from bot.store.schema import feeds, stories, story_sources

VISIBLE_STATES = ("ready", "matched")


def _is_sqlite(conn: Connection) -> bool:
    return conn.dialect.name == "sqlite"


def _story_columns() -> list[Any]:
    return [
        stories.c.id,
        stories.c.feed_id,
        stories.c.url,
        stories.c.title,
        stories.c.published_at,
        stories.c.created_at,
        stories.c.summary,
        stories.c.keywords,
        stories.c.categories,
        stories.c.state,
    ]


def search_stories(
    conn: Connection,
    query: TopicQuery,
    since: datetime,
    limit: int,
    offset: int = 0,
    *,
    feed_ids: Sequence[int] | None = None,
    newest: bool = False,
) -> list[StoryView]:
    """Visible stories matching `query` created or published since `since`, best first (or
    newest first), from every feed or from `feed_ids` (any feed that carried them)."""
    when = func.coalesce(stories.c.published_at, stories.c.created_at)
    if _is_sqlite(conn):
        fts = table("stories_fts", column("rowid"))
        rank = func.bm25(literal_column("stories_fts"))
        stmt = (
            select(*_story_columns())
            .select_from(stories.join(fts, fts.c.rowid == stories.c.id))
            .where(text("stories_fts MATCH :match").bindparams(match=to_fts5(query)))
            .order_by(*([when.desc(), rank] if newest else [rank, when.desc()]))
            .order_by(stories.c.id.desc())
        )
    else:
        tsq = func.to_tsquery(literal_column("'simple'"), to_tsquery(query))
        search: ColumnElement[Any] = literal_column("stories.search")
        stmt = select(*_story_columns()).where(search.op("@@")(tsq))
        score = func.ts_rank(search, tsq).desc()
        stmt = stmt.order_by(*([when.desc(), score] if newest else [score, when.desc()]))
        stmt = stmt.order_by(stories.c.id.desc())
    stmt = stmt.where(stories.c.state.in_(VISIBLE_STATES), when >= since)
    if feed_ids is not None:
        carried = select(story_sources.c.story_id).where(story_sources.c.feed_id.in_(feed_ids))
        stmt = stmt.where(stories.c.id.in_(carried))
    return _views(conn, list(conn.execute(stmt.limit(limit).offset(offset))))


def story_matches(conn: Connection, story_id: int, query: TopicQuery) -> bool:
    """True if the story `story_id` matches `query` (used to push followed topics)."""
    if _is_sqlite(conn):
        sql = "SELECT 1 FROM stories_fts WHERE stories_fts MATCH :match AND rowid = :id"
        params = {"match": to_fts5(query), "id": story_id}
    else:
        sql = "SELECT 1 FROM stories WHERE id = :id AND search @@ to_tsquery('simple', :match)"
        params = {"match": to_tsquery(query), "id": story_id}
    return conn.execute(text(sql), params).first() is not None


def latest_stories(
    conn: Connection, feed_ids: Sequence[int] | None, limit: int, offset: int = 0
) -> list[StoryView]:
    """Visible stories newest first, from `feed_ids` (any feed that carried them) or all."""
    when = func.coalesce(stories.c.published_at, stories.c.created_at)
    stmt = select(*_story_columns()).where(stories.c.state.in_(VISIBLE_STATES))
    if feed_ids is not None:
        carried = select(story_sources.c.story_id).where(story_sources.c.feed_id.in_(feed_ids))
        stmt = stmt.where(stories.c.id.in_(carried))
    stmt = stmt.order_by(when.desc(), stories.c.id.desc()).limit(limit).offset(offset)
    return _views(conn, list(conn.execute(stmt)))


def _views(conn: Connection, rows: Sequence[Row[Any]]) -> list[StoryView]:
    names = story_feed_names(conn, [r.id for r in rows])
    return [story_view(r, names.get(r.id, [])) for r in rows]


def story_feed_names(conn: Connection, story_ids: Sequence[int]) -> dict[int, list[str]]:
    """For each story, the names of the feeds that carried it, first carrier first."""
    if not story_ids:
        return {}
    name = display_name_sql()
    stmt = (
        select(story_sources.c.story_id, name.label("name"))
        .join(feeds, feeds.c.id == story_sources.c.feed_id)
        .where(story_sources.c.story_id.in_(story_ids))
        .order_by(story_sources.c.story_id, story_sources.c.first_seen_at, feeds.c.id)
    )
    names: dict[int, list[str]] = {}
    for row in conn.execute(stmt):
        names.setdefault(row.story_id, []).append(row.name)
    return names


def story_view(row: Row[Any], carriers: Sequence[str]) -> StoryView:
    """A StoryView from a stories row and the names of the feeds that carried it."""
    summary, ranks = load_summary(row.summary)
    return StoryView(
        id=row.id,
        title=row.title,
        url=row.url,
        sources=tuple(carriers[:1]),
        published=row.published_at or row.created_at,
        summary=summary,
        summary_ranks=ranks,
        keywords=split_keywords(row.keywords),
        categories=split_keywords(row.categories),
        also_in=tuple(carriers[1:]),
    )
