"""Feeds and enriched stories written straight into a store, for tests that read them back."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, insert

from bot.core.textnorm import search_text
from bot.store.schema import feeds, stories, story_sources

# An hour ago, whole minutes: stories read back by a bot on the wall clock (/topic looks at the
# last 7 days) must stay recent whenever the tests run; a fixed date fell out after a week.
NOW = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=1)
_keys = itertools.count(1)


def add_feed(conn: Connection, url: str, name: str | None = None, title: str = "") -> int:
    """Insert a feed row; its id."""
    values = {"url": url, "name": name, "title": title, "status": "ok", "created_at": NOW}
    return int(conn.execute(insert(feeds).values(**values).returning(feeds.c.id)).scalar_one())


def add_story(
    conn: Connection,
    title: str,
    text: str = "",
    *,
    feed_id: int | None = None,
    state: str = "ready",
    published: datetime | None = None,
    summary: str = "",
    keywords: str = "",
    url: str = "",
    categories: str = "",
) -> int:
    """Insert an enriched story (search_doc from the normaliser) and its source row; its id."""
    key = f"story-{next(_keys)}"
    values = {
        "key": key,
        "feed_id": feed_id,
        "url": url or f"https://news.example/{key}",
        "title": title,
        "text": text,
        "summary": summary,
        "keywords": keywords,
        "categories": categories,
        "published_at": published or NOW - timedelta(hours=1),
        "search_doc": search_text(title, keywords, text),
        "state": state,
        "created_at": NOW,
        "updated_at": NOW,
    }
    story_id = int(
        conn.execute(insert(stories).values(**values).returning(stories.c.id)).scalar_one()
    )
    if feed_id is not None:
        source = {"feed_id": feed_id, "item_key": key, "story_id": story_id, "first_seen_at": NOW}
        conn.execute(insert(story_sources).values(**source))
    return story_id
