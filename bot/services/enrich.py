"""Step 2 of a story's flow: fetch its page, extract, summarise, and spot near-duplicates.

`Enricher.run_forever(stop)` (the bot) and `enrich_pending(now)` (one pass) lease stories in
state 'new' to this process, and handle each on its own task: fetch its page (same guards as
feeds; skipped when `fetch.fetch_pages` is false or the poll's page budget is spent), then
compute the text, summary, keywords, language, near-duplicate signature and search document
in a worker process with a time budget (`summary.story_timeout_s`). Stories never wait for
each other: one slow page or one hostile text delays only itself. A page that fails, times
out or yields too little text never blocks a story: the feed's content, then its teaser,
stand in, and the reason is kept in `stories.enrich_error`. A story that cannot be saved is
isolated (its lease makes it wait) and given up after `MAX_ATTEMPTS` claims. A story whose
signature matches a story of the last two days becomes 'duplicate' (its sources move to the
original); the others become 'ready'.

`summary` holds the longest summary a chat may ask for (5 sentences, within
`summary.max_chars`), one per line in article order, each with its pick rank
(`bot.core.text.summary_text`); a chat that wants n sentences is shown those ranked below n,
which is exactly the n-sentence summary.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bot.clock import utcnow
from bot.config import Config
from bot.core.backoff import Backoff
from bot.core.models import Enrichment, PendingStory
from bot.core.text.extract import clean_story_text
from bot.core.text.neardup import is_near_duplicate
from bot.core.textnorm import search_text
from bot.errors import FetchError, StoreError
from bot.services.ports import HTML_ACCEPT, Fetcher, Metrics, NoMetrics, Workers
from bot.services.worker_tasks import enrich_in_worker
from bot.store.engine import Store
from bot.store.stories import (
    claim_enrichment,
    recent_signatures,
    record_enrichment_failure,
    release_enrichment,
    save_enrichment,
)

log = logging.getLogger(__name__)

DUPLICATE_WINDOW = timedelta(days=2)
MAX_ATTEMPTS = 3  # claims of one story before it is given up ('failed')
# A story's page fetch and CPU work, queueing included, end within STORY_DEADLINE_S (then its
# teaser stands in); its lease is longer still, so no other process takes it meanwhile.
STORY_DEADLINE_S = 120.0
LEASE_S = 300.0  # a story claimed by a process that died is claimed again after this
SIGNATURES_MAX_AGE_S = 30.0  # how long the recent signatures read from the store are reused


def teaser_enrichment(story: PendingStory) -> Enrichment:
    """The story from its title and teaser alone: cheap, for when everything else failed."""
    teaser = clean_story_text(story.teaser or "")
    title = story.title or ""
    return Enrichment(teaser, "", "", "", "", search_text(title, "", teaser), "teaser")


def find_original(signature: str, recent: list[tuple[int, str]], story_id: int) -> int | None:
    """The id of the earliest recent story this signature near-duplicates, or None."""
    if not signature:
        return None
    for other_id, other_signature in recent:
        if other_id != story_id and is_near_duplicate(signature, other_signature):
            return other_id
    return None


def decode_html(body: bytes, content_type: str) -> str:
    """Decode a page: the charset the server named, else UTF-8, else Windows-1252."""
    for part in content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            try:
                return body.decode(value.strip("\"' "), errors="replace")
            except LookupError:
                break
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace")


class Enricher:
    """Turns 'new' stories into 'ready' (or 'duplicate') ones, each story on its own."""

    def __init__(
        self,
        store: Store,
        fetcher: Fetcher,
        config: Config,
        workers: Workers,
        clock: Callable[[], datetime] = utcnow,
        metrics: Metrics | None = None,
    ) -> None:
        self.metrics: Metrics = metrics or NoMetrics()
        self.store = store
        self.fetcher = fetcher
        self.config = config
        self.workers = workers
        self.clock = clock
        self.concurrency = max(4, config.fetch.max_concurrency)
        self.counts = {"page": 0, "content": 0, "teaser": 0, "fallback": 0, "store_errors": 0}
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._recent: list[tuple[int, str]] = []
        self._recent_at: datetime | None = None
        self._saving = asyncio.Lock()  # saves one at a time, so duplicates are decided in order

    async def enrich_pending(self, now: datetime | None = None, limit: int = 50) -> int:
        """Enrich up to `limit` stories in state 'new', concurrently; return how many."""
        tasks = await self._claim(now or self.clock(), limit)
        if tasks:
            await asyncio.gather(*tasks)
        return len(tasks)

    async def run_forever(self, stop: asyncio.Event, tick_s: float = 1.0) -> None:
        """Keep up to `concurrency` stories in flight until `stop` is set, then cancel them.

        Cancelled stories keep their lease and are enriched again once it ends (here or by
        another process), so stopping loses nothing.
        """
        stopping = asyncio.create_task(stop.wait())
        backoff = Backoff()
        try:
            while not stop.is_set():
                wait = tick_s
                free = self.concurrency - len(self._in_flight)
                if free > 0 and backoff.ready(time.monotonic()):
                    try:
                        await self._claim(self.clock(), free)
                    except StoreError as exc:  # one line per try while the database is down
                        wait = max(tick_s, backoff.failed(time.monotonic()))
                        log.warning("enrichment: %s; trying again in %.0f s", exc, wait)
                    except Exception:  # a bug: logged, backed off, never the end of enrichment
                        wait = max(tick_s, backoff.failed(time.monotonic()))
                        log.exception("enrichment failed; trying again in %.0f s", wait)
                    else:
                        if backoff.succeeded():
                            log.info("enrichment: working again")
                waiting: set[asyncio.Future[Any]] = {stopping, *self._in_flight.values()}
                await asyncio.wait(waiting, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            await self._abandon()

    async def _abandon(self) -> None:
        """Cancel the stories in flight and hand them back (their attempt does not count)."""
        unfinished = list(self._in_flight)
        for task in list(self._in_flight.values()):
            task.cancel()
        for task in list(self._in_flight.values()):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if not unfinished:
            return
        try:
            await self.store.write(release_enrichment, unfinished)
        except StoreError as exc:  # their leases end on their own
            log.warning("could not hand back %d stories: %s", len(unfinished), exc)

    async def _claim(self, now: datetime, limit: int) -> list[asyncio.Task[None]]:
        """Lease up to `limit` stories and start a task for each."""
        rows = await self.store.write(
            claim_enrichment, limit, now, LEASE_S, MAX_ATTEMPTS, tuple(self._in_flight)
        )
        if not rows:  # an idle tick reads nothing more
            return []
        try:
            await self._refresh_recent(now)
        except StoreError:  # hand the claims back rather than leave them waiting on a lease
            with contextlib.suppress(StoreError):
                await self.store.write(release_enrichment, [row.id for row in rows])
            raise
        tasks = []
        for row in rows:
            task = asyncio.create_task(self._guarded(row, now))
            self._in_flight[row.id] = task
            task.add_done_callback(functools.partial(self._done, row.id))
            tasks.append(task)
        return tasks

    def _done(self, story_id: int, _task: asyncio.Task[None]) -> None:
        self._in_flight.pop(story_id, None)

    async def _refresh_recent(self, now: datetime) -> None:
        age = (now - self._recent_at).total_seconds() if self._recent_at else None
        if age is None or not 0 <= age < SIGNATURES_MAX_AGE_S:
            self._recent = await self.store.read(recent_signatures, now - DUPLICATE_WINDOW)
            self._recent_at = now

    async def fetch_page(self, url: str) -> str | None:
        """The HTML of a story's page, or None when pages are off or the fetch fails."""
        if not self.config.fetch.fetch_pages or not url.startswith(("http://", "https://")):
            return None
        try:
            result = await self.fetcher.fetch(url, accept=HTML_ACCEPT)
        except FetchError as exc:
            log.info("story page %s not fetched: %s", url, exc)
            return None
        content_type = result.headers.get("content-type", "text/html")
        if "html" not in content_type and "xml" not in content_type:
            return None
        return decode_html(result.body, content_type)

    async def _guarded(self, row: PendingStory, now: datetime) -> None:
        started = time.perf_counter()
        try:
            await self._enrich_one(row, now)
            self.metrics.observe("enrich", time.perf_counter() - started)
        except asyncio.CancelledError:
            raise
        except Exception:  # a bug in one story must not stop the others
            log.exception("enriching story %s failed", row.id)

    async def _enrich_one(self, row: PendingStory, now: datetime) -> None:
        try:
            async with asyncio.timeout(STORY_DEADLINE_S):
                page = await self.fetch_page(row.url or "") if row.fetch_page else None
                done, error = await self._compute(row, page)
        except TimeoutError:
            self.counts["fallback"] += 1
            done = teaser_enrichment(row)
            error = f"no result within {STORY_DEADLINE_S:g} s; the teaser stands in"
            log.warning("story %s: %s", row.id, error)
        self.counts[done.source or "teaser"] += 1
        async with self._saving:  # a story is an original only once it is saved
            await self._save(row, done, error, now)

    async def _save(self, row: PendingStory, done: Enrichment, error: str, now: datetime) -> None:
        original = find_original(done.signature, self._recent, row.id)
        try:
            saved = await self.store.write(
                save_enrichment,
                row.id,
                now,
                text=done.text,
                summary=done.summary,
                keywords=done.keywords,
                language=done.language,
                signature=done.signature,
                search_doc=done.search_doc,
                duplicate_of=original,
                error=error,
                claimed_at=row.claimed_at,
            )
        except StoreError as exc:  # isolated to this story; its lease makes it wait
            self.counts["store_errors"] += 1
            log.warning("saving story %s failed (%s); it will be tried again", row.id, exc)
            with contextlib.suppress(StoreError):
                await self.store.write(record_enrichment_failure, row.id, now, str(exc))
            return
        if not saved:  # our lease ended and another claim took the story: theirs counts
            log.warning("story %s was taken over by another claim; not saved twice", row.id)
            return
        if original is None and done.signature:
            self._recent.append((row.id, done.signature))

    async def _compute(self, row: PendingStory, page: str | None) -> tuple[Enrichment, str]:
        """The enrichment, from the page, else the feed's text, else the teaser; and why."""
        summary = self.config.summary
        attempts: list[tuple[str, str | None]] = [("page", page)] if page else []
        attempts.append(("feed text", None))
        errors: list[str] = []
        for what, html in attempts:
            try:
                done = await self.workers.run(enrich_in_worker, row, html, summary)
                return done, "; ".join(errors)
            except Exception as exc:  # out of time, a dead worker, or a bug: try with less
                errors.append(f"{what}: {exc}")
                log.warning("story %s: %s: %s", row.id, what, exc)
        self.counts["fallback"] += 1
        return teaser_enrichment(row), "; ".join(errors)
