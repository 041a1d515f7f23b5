"""`digest-bot poll`, `digest-bot feeds add|list|remove` and `digest-bot opml import|export`.

`poll --once` migrates the store, syncs the catalogue from `[[feeds]]`, polls every feed once,
enriches the new stories and prints one line per feed and a total; without `--once` it polls
the due feeds every `poll.tick_s` until interrupted.
OPML is read and written by `bot.core.opml`, as it is for /import and /export in chat.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime
from pathlib import Path

from bot.app import story_workers
from bot.clock import utcnow
from bot.config import Config
from bot.core.models import Feed
from bot.core.netguard import check_url
from bot.core.opml import Outline, parse_opml, render_opml
from bot.errors import FetchError, UserError
from bot.net.fetcher import HttpFetcher
from bot.proc.heap import freeze_long_lived
from bot.services.enrich import Enricher
from bot.services.polling import FeedOutcome, Poller, PollReport
from bot.store import feeds as feed_queries
from bot.store.engine import Store

_ENRICH_BATCH = 100


def _open_store(config: Config) -> Store:
    store = Store(config.storage.url)
    store.upgrade()
    return store


def poll_command(args: argparse.Namespace, config: Config) -> int:
    """`digest-bot poll [--once]`."""
    store = _open_store(config)
    try:
        store.write_sync(feed_queries.sync_catalogue, config.feeds, utcnow())
        if args.once:
            asyncio.run(run_poll_once(store, config))
        else:
            asyncio.run(run_poll_loop(store, config))
    finally:
        store.close()
    return 0


async def run_poll_once(store: Store, config: Config) -> None:
    """Poll every feed once, enrich what is new, and print what happened."""
    workers = story_workers(config)
    try:
        async with HttpFetcher(config.fetch) as fetcher:
            poller = Poller(store, fetcher, config, workers=workers)
            freeze_long_lived()
            report = await poller.poll_all_once(utcnow())
            enriched = await _enrich_all(Enricher(store, fetcher, config, workers))
    finally:
        workers.close()
    for outcome in report.outcomes:
        print(format_outcome(outcome))
    for chat_id, notice in report.notices():
        print(f"notice for chat {chat_id}: {notice}")
    print(format_totals(report, enriched))


async def _enrich_all(enricher: Enricher) -> int:
    total = 0
    while True:
        done = await enricher.enrich_pending(utcnow(), limit=_ENRICH_BATCH)
        total += done
        if done < _ENRICH_BATCH:
            return total


async def run_poll_loop(store: Store, config: Config, ticks: int | None = None) -> None:
    """Poll the due feeds and enrich every `poll.tick_s`, forever (or `ticks` times)."""
    workers = story_workers(config)
    async with HttpFetcher(config.fetch) as fetcher:
        poller = Poller(store, fetcher, config, workers=workers)
        enricher = Enricher(store, fetcher, config, workers)
        freeze_long_lived()
        tick = 0
        try:
            while ticks is None or tick < ticks:
                if tick:
                    await asyncio.sleep(config.poll.tick_s)
                report = await poller.poll_due(utcnow())
                enriched = await _enrich_all(enricher)
                if report.outcomes or enriched:
                    print(format_totals(report, enriched), flush=True)
                tick += 1
        finally:
            workers.close()


def format_outcome(outcome: FeedOutcome) -> str:
    """One line about one feed's poll."""
    if outcome.status in ("failed", "dead"):
        line = f"{outcome.status:<12} {outcome.url}: {outcome.error}"
        if outcome.discovered:
            line += " (feeds on that page: " + ", ".join(outcome.discovered) + ")"
        return line
    if outcome.status == "resolved":
        return (
            f"{outcome.status:<12} {outcome.url}: a web page; its feed {outcome.moved_to} is used"
        )
    line = f"{outcome.status:<12} {outcome.url}: {outcome.new} new"
    if outcome.backlog:
        line += f", {outcome.backlog} older marked seen"
    if outcome.linked:
        line += f", {outcome.linked} already known from other feeds"
    if outcome.moved_to:
        line += f" (moved permanently to {outcome.moved_to})"
    return line


def format_totals(report: PollReport, enriched: int) -> str:
    """The closing line of a poll."""
    return (
        f"polled {len(report.outcomes)} feeds: {report.new} new stories, "
        f"{report.failed} failed, {enriched} stories enriched"
    )


def feeds_command(args: argparse.Namespace, config: Config) -> int:
    """`digest-bot feeds add|list|remove`."""
    store = _open_store(config)
    try:
        if args.feeds_command == "add":
            _add(store, args.url, args.name, args.default)
        elif args.feeds_command == "list":
            for line in format_feed_list(store.read_sync(feed_queries.list_feeds)):
                print(line)
        else:
            found = store.read_sync(feed_queries.find_feed, args.feed)
            if found is None:
                raise UserError(f"no feed with id, URL or name {args.feed!r}")
            store.write_sync(feed_queries.remove_feed, found.id)
            print(f"removed feed {found.id}: {found.url}")
    finally:
        store.close()
    return 0


def _add(store: Store, url: str, name: str | None, default: bool) -> int:
    try:
        check_url(url)
    except FetchError as exc:
        raise UserError(f"cannot add {url!r}: {exc}") from None
    feed_id = store.write_sync(feed_queries.add_feed, url, utcnow(), name=name, is_default=default)
    kind = "catalogue feed" if name else "feed"
    print(f"added {kind} {feed_id}: {url}")
    return feed_id


def format_feed_list(rows: list[Feed]) -> list[str]:
    """The lines of `feeds list`: health of every feed."""
    if not rows:
        return ["no feeds yet: add one with `digest-bot feeds add URL` or [[feeds]] in config"]
    lines = []
    for row in rows:
        label = f"[{row.name}] " if row.is_catalogue else ""
        lines.append(f"{row.id:>4}  {row.status:<8} {label}{row.url}")
        lines.append(
            f"      last success {_when(row.last_success_at)}, "
            f"next poll {_when(row.next_poll_at)}, "
            f"{row.consecutive_failures} failures in a row, "
            f"{row.subscribers} subscribers, {row.items_seen} items"
        )
        if row.last_error:
            lines.append(f"      last error {_when(row.last_error_at)}: {row.last_error}")
    return lines


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "never"


def opml_command(args: argparse.Namespace, config: Config) -> int:
    """`digest-bot opml import FILE|-` and `digest-bot opml export [FILE|-]`."""
    store = _open_store(config)
    try:
        if args.opml_command == "import":
            data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
            added = 0
            for outline in parse_opml(data):
                _add(store, outline.url, outline.title or outline.url, False)
                added += 1
            print(f"imported {added} feeds")
        else:
            rows = store.read_sync(feed_queries.list_feeds)
            text = render_opml(Outline(r.url, r.display_name, r.site_url) for r in rows)
            if args.file == "-":
                sys.stdout.write(text)
            else:
                Path(args.file).write_text(text, encoding="utf-8")
    finally:
        store.close()
    return 0
