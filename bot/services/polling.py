"""The polling service: fetch the feeds that are due, parse them, and record new stories.

`Poller.poll_due(now)` is what the scheduler calls every `poll.tick_s`; `poll_all_once(now)`
serves `digest-bot poll --once`. Each feed gets its own next poll time: the configured interval
(never under `poll.min_interval_s`), raised to the feed's `<ttl>`, `sy:updatePeriod` and
`Cache-Control: max-age`, plus jitter; after errors an exponential backoff up to
`poll.max_backoff_s` (at least the server's `Retry-After`). A feed failing for
`poll.dead_after_s`, or answering 410 Gone, is marked dead and its chats are told once: the
outcome carries `notify_chats` and `notice`, and the caller sends them.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.clock import utcnow
from bot.config import Config
from bot.core.feeds import Entry, ParsedFeed, canonical_url, parse_feed
from bot.core.models import Feed
from bot.errors import FeedError, FetchError, RetryLaterError, WorkError
from bot.services.ports import FEED_ACCEPT, Fetcher, FetchResult, Metrics, NoMetrics, Workers
from bot.store import feeds as feed_queries
from bot.store.batch import BatchWriter
from bot.store.engine import Store
from bot.store.stories import record_poll

log = logging.getLogger(__name__)

WEB_PAGE_ERROR = "not a feed: the URL is a web page"
_MAX_LOWER_BOUND_S = 86_400
POLL_LEASE_S = 90.0  # a claimed feed is due again after this if its poller died
MAX_BATCHES_PER_TICK = 50  # claims of one tick; what is left waits for the next tick
PARSE_BUDGET_S = 30.0  # a feed's parse in a worker; 5 MB of 20,000 items takes about 15 s


@dataclass(frozen=True)
class FeedOutcome:
    """What polling one feed did."""

    feed_id: int
    url: str
    status: str  # ok | not_modified | failed | dead | resolved (a web page: now its feed)
    new: int = 0
    backlog: int = 0
    linked: int = 0
    error: str | None = None
    next_poll_at: datetime | None = None
    moved_to: str | None = None
    discovered: tuple[str, ...] = ()
    notify_chats: tuple[int, ...] = ()
    notice: str = ""


@dataclass(frozen=True)
class PollReport:
    """What one pass over several feeds did."""

    outcomes: tuple[FeedOutcome, ...] = ()

    @property
    def new(self) -> int:
        """Stories created in state 'new'."""
        return sum(o.new for o in self.outcomes)

    @property
    def failed(self) -> int:
        """Feeds that failed or died."""
        return sum(o.status in ("failed", "dead") for o in self.outcomes)

    def notices(self) -> list[tuple[int, str]]:
        """(chat id, text) for every chat that must hear that its feed died."""
        return [(chat, o.notice) for o in self.outcomes for chat in o.notify_chats]


def sort_newest_first(entries: Iterable[Entry]) -> list[Entry]:
    """Entries by date, newest first; undated ones after, in feed order."""
    items = list(entries)
    return sorted(
        items,
        key=lambda e: (e.published is None, -(e.published.timestamp() if e.published else 0)),
    )


def backlog_keys(entries: Sequence[Entry], keep: int) -> set[str]:
    """Keys of the entries a first poll records as 'seen': all but the newest `keep`."""
    return {entry.key for entry in sort_newest_first(entries)[keep:]}


def dead_notice(feed: Feed, error: str) -> str:
    """The one sentence a chat gets when its feed is given up."""
    name = feed.title or feed.name or feed.url
    return (
        f"The feed “{name}” has stopped working ({error}); it will no longer be checked. "
        f"You can unsubscribe from {feed.url}."
    )


class Poller:
    """Polls feeds with one shared fetcher and records what they bring."""

    def __init__(
        self,
        store: Store,
        fetcher: Fetcher,
        config: Config,
        clock: Callable[[], datetime] = utcnow,
        rng: random.Random | None = None,
        workers: Workers | None = None,
        parse_budget_s: float = PARSE_BUDGET_S,
        metrics: Metrics | None = None,
    ) -> None:
        self.metrics: Metrics = metrics or NoMetrics()
        self.store = store
        self.fetcher = fetcher
        self.config = config
        self.clock = clock
        self.rng = rng or random.Random()
        self.workers = workers  # where feeds are parsed, with a budget (else in a thread)
        self.parse_budget_s = parse_budget_s
        self._in_flight: set[int] = set()
        self._slots = asyncio.Semaphore(config.fetch.max_concurrency)
        self._not_modified_writer = BatchWriter(store, feed_queries.record_not_modified_many)

    async def poll_due(self, now: datetime | None = None) -> PollReport:
        """Poll every feed that is due at `now` (default: the clock), leased to this poller.

        Feeds are claimed a batch at a time (twice the fetch concurrency), so every claimed
        feed is polled well within its lease, and a lease left by a dead process ends soon.
        """
        fixed = now
        batch = 2 * self.config.fetch.max_concurrency
        outcomes: list[FeedOutcome] = []
        for _ in range(MAX_BATCHES_PER_TICK):
            at = fixed or self.clock()
            rows = await self.store.write(feed_queries.claim_due_feeds, at, POLL_LEASE_S, batch)
            outcomes.extend((await self.poll_many(rows, at)).outcomes)
            if len(rows) < batch:
                break
        return PollReport(tuple(outcomes))

    async def poll_all_once(self, now: datetime | None = None) -> PollReport:
        """Poll every pollable feed once, due or not."""
        now = now or self.clock()
        rows = await self.store.read(feed_queries.pollable_feeds)
        return await self.poll_many(rows, now)

    async def poll_many(self, rows: Sequence[Feed], now: datetime) -> PollReport:
        """Poll these feeds concurrently (bounded); skip those already being polled."""
        todo = [row for row in rows if row.id not in self._in_flight]
        self._in_flight.update(row.id for row in todo)
        try:
            outcomes = await self._poll_with_workers(todo, now)
        finally:
            self._in_flight.difference_update(row.id for row in todo)
        return PollReport(tuple(outcomes))

    async def _poll_with_workers(self, rows: Sequence[Feed], now: datetime) -> list[FeedOutcome]:
        """Poll `rows` in order with a few workers, not a task per feed.

        A thousand tasks queued on one asyncio.Semaphore cost O(n²): every wake-up scans and
        edits the waiters' deque. Twice the slots, so that feeds waiting for their batched
        304 write (which holds no slot) do not leave slots idle.
        """
        outcomes: list[FeedOutcome | None] = [None] * len(rows)
        pending = iter(enumerate(rows))

        async def work() -> None:
            for n, row in pending:
                outcomes[n] = await self._guarded(row, now)

        workers = min(len(rows), 2 * self.config.fetch.max_concurrency)
        await asyncio.gather(*(work() for _ in range(workers)))
        return [outcome for outcome in outcomes if outcome is not None]

    async def _guarded(self, row: Feed, now: datetime) -> FeedOutcome:
        started = time.perf_counter()
        try:
            return await self._poll_isolated(row, now)
        finally:
            self.metrics.observe("poll", time.perf_counter() - started)

    async def _poll_isolated(self, row: Feed, now: datetime) -> FeedOutcome:
        try:
            return await self.poll_feed(row, now)
        except Exception:  # one broken feed must not stop the others
            log.exception("polling feed %s failed", row.url)
        try:  # and must back off like any failing feed, not be retried every tick
            return await self._failed(row, now, "internal error", None)
        except Exception:
            log.exception("recording the failure of feed %s failed", row.url)
            return FeedOutcome(row.id, row.url, "failed", error="internal error")

    async def poll_feed(self, feed: Feed, now: datetime) -> FeedOutcome:
        """Fetch, parse and record one feed; never raises for the feed's own problems."""
        async with self._slots:
            try:
                result = await self.fetcher.fetch(
                    feed.url,
                    etag=feed.etag,
                    last_modified=feed.last_modified,
                    accept=FEED_ACCEPT,
                )
            except FetchError as exc:
                retry = exc.retry_after_s if isinstance(exc, RetryLaterError) else None
                return await self._failed(feed, now, str(exc), retry, gone=exc.status == 410)
            moved_to = canonical_url(result.permanent_url) if result.permanent_url else None
            if moved_to == feed.url:
                moved_to = None
            if moved_to:
                new_id = await self.store.write(feed_queries.move_feed, feed.id, moved_to)
                feed = replace(feed, id=new_id, url=moved_to)
            digest = unvalidated_body_hash(result)
            unchanged = (
                digest is not None
                and digest == feed.content_hash
                and feed.last_success_at is not None
                and not moved_to
            )
            if not result.not_modified and not unchanged:
                return await self._parsed(feed, now, result, moved_to, digest)
        # A 304 (or the same body again from a server without validators: nothing to parse)
        # has no body to hold: it waits for its batched write without a slot, so the
        # next fetches run while the batch is written (holding slots made polls and writes
        # take turns).
        return await self._not_modified(feed, now, result, moved_to)

    async def _parsed(
        self,
        feed: Feed,
        now: datetime,
        result: FetchResult,
        moved_to: str | None,
        digest: str | None,
    ) -> FeedOutcome:
        try:
            parsed = await self._parse(result)
        except (FeedError, WorkError) as exc:
            return await self._failed(feed, now, str(exc), None)
        if not parsed.is_feed:
            if parsed.alternate_feeds and feed.last_success_at is None and not feed.page_url:
                return await self._resolve_page(feed, now, parsed.alternate_feeds)
            outcome = await self._failed(feed, now, WEB_PAGE_ERROR, None)
            return replace(outcome, discovered=parsed.alternate_feeds, moved_to=moved_to)
        lower = _lower_bound_s(parsed, result)
        next_at = self._next_poll(feed, now, lower)
        first = feed.last_success_at is None
        backlog = (
            backlog_keys(parsed.entries, self.config.poll.first_poll_items) if first else set()
        )
        recorded = await self.store.write(
            record_poll,
            feed.id,
            parsed,
            (result.etag, result.last_modified),
            now,
            next_at,
            lower,
            backlog,
            digest,
            self.config.poll.max_page_fetches,
        )
        return FeedOutcome(
            feed.id,
            feed.url,
            "ok",
            recorded.new,
            recorded.backlog,
            recorded.linked,
            next_poll_at=next_at,
            moved_to=moved_to,
        )

    async def _resolve_page(
        self, feed: Feed, now: datetime, alternates: tuple[str, ...]
    ) -> FeedOutcome:
        """A feed never read yet whose URL is a web page: from now on, the first feed the page
        links to (RSS or Atom, in page order), polled at the next tick; said in the log."""
        chosen = canonical_url(alternates[0])
        others = f" (it also links to {', '.join(alternates[1:])})" if alternates[1:] else ""
        log.info("feed %s is a web page; using its feed %s%s", feed.url, chosen, others)
        new_id = await self.store.write(feed_queries.resolve_page, feed.id, chosen, now)
        return FeedOutcome(
            new_id, feed.url, "resolved", moved_to=chosen, discovered=alternates, next_poll_at=now
        )

    async def _parse(self, result: FetchResult) -> ParsedFeed:
        """Parse off the event loop: in a worker, with a budget, when there are workers."""
        args = (result.body, result.url, dict(result.headers))
        if self.workers is None:
            return await asyncio.to_thread(parse_feed, *args)
        try:
            return await self.workers.run(parse_feed, *args, timeout_s=self.parse_budget_s)
        except WorkError as exc:
            raise WorkError(f"the feed could not be read in time: {exc}") from None

    async def _not_modified(
        self, feed: Feed, now: datetime, result: FetchResult, moved_to: str | None
    ) -> FeedOutcome:
        lower = max(result.max_age_s or 0, feed.min_next_poll_s or 0) or None
        next_at = self._next_poll(feed, now, lower)
        row = {"id": feed.id, "now": now, "next_poll_at": next_at, "min_next_poll_s": lower}
        await self._not_modified_writer.add(row)
        return FeedOutcome(
            feed.id, feed.url, "not_modified", next_poll_at=next_at, moved_to=moved_to
        )

    async def _failed(
        self,
        feed: Feed,
        now: datetime,
        error: str,
        retry_s: float | None,
        *,
        gone: bool = False,
    ) -> FeedOutcome:
        first_failure = feed.first_failure_at or now
        dead = gone or (now - first_failure).total_seconds() >= self.config.poll.dead_after_s
        delay = self._backoff_s(feed.consecutive_failures + 1, retry_s)
        next_at = now + timedelta(seconds=delay)
        chats = await self.store.write(
            feed_queries.record_failure,
            feed.id,
            now,
            error=error,
            next_poll_at=next_at,
            min_next_poll_s=feed.min_next_poll_s,
            dead=dead,
        )
        log.info("feed %s failed: %s", feed.url, error)
        return FeedOutcome(
            feed.id,
            feed.url,
            "dead" if dead else "failed",
            error=error,
            next_poll_at=None if dead else next_at,
            notify_chats=tuple(chats),
            notice=dead_notice(feed, error) if chats else "",
        )

    def _interval_s(self, feed: Feed | None) -> int:
        poll = self.config.poll
        interval = feed.poll_interval_s if feed is not None else None
        return max(poll.min_interval_s, interval or poll.interval_s)

    def _next_poll(self, feed: Feed, now: datetime, lower_s: int | None) -> datetime:
        base = max(self._interval_s(feed), min(lower_s or 0, _MAX_LOWER_BOUND_S))
        jitter = self.rng.uniform(0, self.config.poll.jitter_s)
        return now + timedelta(seconds=base + jitter)

    def _backoff_s(self, failures: int, retry_s: float | None) -> float:
        base = float(self._interval_s(None) * 2 ** min(failures - 1, 20))
        delay = min(float(self.config.poll.max_backoff_s), base)
        return max(delay, retry_s or 0.0, float(self.config.poll.min_interval_s))


def unvalidated_body_hash(result: FetchResult) -> str | None:
    """The body's SHA-256 when the server sent neither ETag nor Last-Modified, else None.

    Such servers answer every poll with 200 and the whole feed; the same hash as last time
    means nothing to parse (feedparser is ~85% of a changed poll's CPU).
    """
    if result.not_modified or result.etag or result.last_modified:
        return None
    return hashlib.sha256(result.body).hexdigest()


def _lower_bound_s(parsed: ParsedFeed, result: FetchResult) -> int | None:
    bounds = [b for b in (parsed.ttl_s, parsed.update_period_s, result.max_age_s) if b]
    return max(bounds) if bounds else None
