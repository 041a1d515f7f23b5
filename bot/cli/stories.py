"""`digest-bot latest` and `digest-bot status`: read the store from the command line."""

from __future__ import annotations

import argparse
import html
import json
import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from bot.clock import utcnow
from bot.config import Config
from bot.core.render import story_tags
from bot.core.text.summary_text import summary_of_length
from bot.core.topic_query import TopicQuery, parse_topic_query
from bot.errors import BotError, StoreError, UserError
from bot.store.engine import Store
from bot.store.search import latest_stories, search_stories
from bot.store.stats import stats

TOPIC_WINDOW_DAYS = 30  # the CLI looks further back than /topic does


def _story_dicts(
    conn: Connection, topic: TopicQuery | None, limit: int, now: datetime, sentences: int
) -> list[dict[str, Any]]:
    if topic is not None:
        since = now - timedelta(days=TOPIC_WINDOW_DAYS)
        rows = search_stories(conn, topic, since, limit)
    else:
        rows = latest_stories(conn, None, limit)
    return [
        {
            "title": r.title,
            "url": r.url,
            "summary": list(summary_of_length(r.summary, r.summary_ranks, sentences)),
            "keywords": list(r.keywords),
            "categories": list(r.categories),
            "tags": list(story_tags(r.categories, r.keywords)),
            "published": r.published.isoformat() if r.published else "",
            "feeds": [*r.sources, *r.also_in],
        }
        for r in rows
    ]


def _print_story(story: dict[str, Any]) -> None:
    print(story["title"])
    print(f"  {story['url']}")
    print(f"  {story['published']} · {', '.join(story['feeds'])}")
    for sentence in story["summary"]:
        print(f"  {sentence}")
    print()


def latest_command(args: argparse.Namespace, config: Config) -> int:
    """`digest-bot latest [--topic Q] [--limit N] [--json]`: newest or best-matching stories."""
    if not 1 <= args.limit <= 1000:
        raise BotError(f"--limit must be between 1 and 1000, not {args.limit}")
    try:
        topic = parse_topic_query(args.topic) if args.topic is not None else None
    except UserError as exc:  # its text is Telegram HTML; the terminal wants plain text
        raise BotError(html.unescape(re.sub(r"<[^>]+>", "", str(exc)))) from None
    store = Store(config.storage.url)
    try:
        found = store.read_sync(
            _story_dicts, topic, args.limit, utcnow(), config.summary.sentences
        )
    finally:
        store.close()
    for story in found:
        if args.json:
            print(json.dumps(story, ensure_ascii=False))
        else:
            _print_story(story)
    return 0


def _counts(figures: dict[str, int]) -> dict[str, int]:
    """`status`'s names for the bot-wide counts (`bot.store.stats`)."""
    return {
        "feeds": figures["feeds"],
        "feeds_ok": figures["ok"],
        "feeds_failing": figures["failing"],
        "feeds_dead": figures["dead"],
        "stories": figures["stories"],
        "pending_deliveries": figures["pending"],
    }


def collect_status(store: Store) -> dict[str, Any]:
    """Reachability, schema revision and counts, as one dict with `ready`."""
    from bot.store.migrate import head_revision

    status: dict[str, Any] = {"database": store.engine.dialect.name, "head": head_revision()}
    try:
        status["revision"] = store.revision()
    except StoreError as exc:  # any driver error means "not reachable"
        advice = f"{exc}; check [storage] url in the config, and that the server runs"
        status.update(reachable=False, error=str(exc), ready=False, advice=advice)
        return status
    status["reachable"] = True
    status["schema_current"] = status["revision"] == status["head"]
    if status["schema_current"]:
        try:
            status.update(_counts(store.read_sync(stats)))
        except StoreError as exc:
            status["error"] = str(exc)
    else:
        found = status["revision"] or "empty"
        status["advice"] = (
            f"run `digest-bot db upgrade` (the schema is {found}, this version needs "
            f"{status['head']}); `digest-bot run` also upgrades it when it starts"
        )
    status["ready"] = status["schema_current"] and "error" not in status
    return status


def status_command(args: argparse.Namespace, config: Config) -> int:
    """`digest-bot status [--json]`: exit 0 when the store is reachable and up to date."""
    store = Store(config.storage.url)
    try:
        status = collect_status(store)
    finally:
        store.close()
    if args.json:
        print(json.dumps(status))
    else:
        for key, value in status.items():
            if key != "advice":
                print(f"{key}: {value}")
        if "advice" in status:
            print(f"what to do: {status['advice']}")
    return 0 if status["ready"] else 1
