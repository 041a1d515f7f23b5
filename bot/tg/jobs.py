"""The bot's jobs on PTB's JobQueue (APScheduler 3, on the bot's own event loop).

The stages run independently, so a slow or failing one never holds up another:

- `poll_job`, every `poll.tick_s`: poll the feeds that are due; tell chats once when a feed
  died.
- the enricher: `Enricher.run_forever` as a task of the Application; each story on its own
  task, its CPU work in worker processes with a time budget (`bot.proc.workers`).
- the sender: `Dispatcher.run_forever` as a task of the Application: every tick it matches
  ready stories to chats (writing their deliveries) and sends what is due; stopped and
  awaited at shutdown so the send in flight finishes and its outcome is recorded.

While the database is down each stage logs one line per try and backs off (`bot.core.backoff`),
rather than a traceback per tick.
- `digest_job`: one `run_daily` job per distinct (local time, timezone) of the chats' digests,
  rebuilt from the store at start and every minute by `digest_schedule_job`, so schedules
  survive restarts and follow /digest changes. The rows already carry their digest time as
  `due_at`, so the sender (one tick at most later) sends them even if a job were missed; the job
  matches what became ready just before, so the digest is complete.
- `compact_job`, hourly: drops the full text of stories older than `storage.keep_text_days`
  (title, summary and keywords stay), in batches.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import TelegramError
from telegram.ext import Job

from bot.clock import utcnow
from bot.config import Config
from bot.core.backoff import Backoff
from bot.errors import StoreError
from bot.tg.context import BotApplication, CustomContext

log = logging.getLogger(__name__)

DIGEST_JOB_PREFIX = "digest "
DIGEST_REFRESH_S = 60.0
COMPACT_EVERY_S = 3600.0


def register_jobs(application: BotApplication, config: Config) -> None:
    """Put the pipeline, sender and digest jobs on the Application's JobQueue."""
    job_queue = application.job_queue
    if job_queue is None:  # pragma: no cover - the job-queue extra is a dependency
        raise RuntimeError("python-telegram-bot was installed without its job-queue extra")
    job_kwargs = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
    job_queue.run_repeating(
        poll_job, config.poll.tick_s, first=0.5, name="poll", job_kwargs=job_kwargs
    )
    job_queue.run_repeating(
        digest_schedule_job, DIGEST_REFRESH_S, first=0.1, name="digests", job_kwargs=job_kwargs
    )
    if config.storage.keep_text_days:
        job_queue.run_repeating(
            compact_job, COMPACT_EVERY_S, first=60, name="compact", job_kwargs=job_kwargs
        )


def store_gated(
    job: Callable[[CustomContext], Coroutine[Any, Any, None]],
) -> Callable[[CustomContext], Coroutine[Any, Any, None]]:
    """Run `job` unless its stage is backing off; a `StoreError` is one line, then a backoff."""
    backoff = Backoff()

    @functools.wraps(job)
    async def gated(context: CustomContext) -> None:
        if not backoff.ready(time.monotonic()):
            return
        try:
            await job(context)
        except StoreError as exc:
            wait = backoff.failed(time.monotonic())
            log.warning("%s: %s; trying again in %.0f s", job.__name__, exc, wait)
            return
        if backoff.succeeded():
            log.info("%s: working again", job.__name__)

    return gated


@store_gated
async def poll_job(context: CustomContext) -> None:
    """Poll due feeds; tell chats about dead feeds."""
    pipeline = context.pipeline
    report = await pipeline.poller.poll_due(utcnow())
    if report.new or report.failed:
        log.info(
            "polled %d feeds: %d new stories, %d failed",
            len(report.outcomes),
            report.new,
            report.failed,
        )
    for chat_id, text in report.notices():
        await _notify(context, chat_id, text)
    for outcome in report.outcomes:
        if outcome.status == "dead":
            pipeline.dispatcher.notify(f"The feed {outcome.url} is dead: {outcome.error}")


async def _notify(context: CustomContext, chat_id: int, text: str) -> None:
    try:
        await context.bot.send_message(chat_id, text)
    except TelegramError as exc:
        log.warning("could not tell chat %s that a feed died: %s", chat_id, exc)


@store_gated
async def digest_schedule_job(context: CustomContext) -> None:
    """(Re)build one daily job per digest slot from the store."""
    pipeline = context.pipeline
    slots = frozenset(await pipeline.dispatcher.digest_slots())
    if slots == pipeline.slots or context.job_queue is None:
        return
    for job in context.job_queue.jobs():
        if job.name and job.name.startswith(DIGEST_JOB_PREFIX):
            job.schedule_removal()
    for slot in sorted(slots, key=lambda s: (s.timezone, s.at)):
        context.job_queue.run_daily(
            digest_job,  # type: ignore[arg-type]  # PTB types job_queue by the base context
            slot.job_time(),
            name=f"{DIGEST_JOB_PREFIX}{slot.timezone} {slot.at}",
        )
    pipeline.slots = slots
    log.info("digest schedule: %d daily slot(s)", len(slots))


@store_gated
async def digest_job(context: CustomContext) -> None:
    """At a digest time: match what is ready; the sender sends the digest on its next tick."""
    pipeline = context.pipeline
    job: Job[Any] | None = context.job
    log.info("digest time: %s", job.name if job else "?")
    await pipeline.dispatcher.match_ready(utcnow())


@store_gated
async def compact_job(context: CustomContext) -> None:
    """Drop the full text of stories older than `storage.keep_text_days`, a batch at a time."""
    await context.compactor.run(utcnow())
