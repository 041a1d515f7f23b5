"""The delivery service: match ready stories, then push due deliveries at Telegram's pace.

`Dispatcher.send_due` claims due rows (state `sending`, written before any Bot API call),
composes one message per chat (several instant stories together, or the chat's digest, split
into as few messages as fit), and hands them to one scheduling loop that starts each send at
the next free slot of `bot.core.pacing.Pacer`. Every outcome is written as soon as it is known,
so a restart resumes where the last process stopped; see `bot.store.deliveries` for why the only
possible duplicate is a message in flight when a process died.

A 429 puts the message's rows back to `pending` at `retry_after` without counting an attempt,
and pauses that chat (every chat when several chats hit 429 within a second: a global flood),
so no story is ever dropped because of flood control.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import os
import socket
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from bot import texts
from bot.clock import utcnow
from bot.config import DeliveryConfig
from bot.core.backoff import Backoff
from bot.core.digest import Outgoing
from bot.core.models import RemovedChat
from bot.core.pacing import Pacer
from bot.core.render import escape
from bot.core.schedule import DigestSlot
from bot.errors import StoreError
from bot.i18n import ENGLISH
from bot.services.ports import Metrics, NoMetrics, Sender, SendOutcome
from bot.store import deliveries as q
from bot.store.chats import forget_thread, remove_chat
from bot.store.compose import compose_messages, digest_slots, move_chat
from bot.store.engine import Store
from bot.store.matching import match_ready
from bot.store.stats import stats

log = logging.getLogger(__name__)

MINUTE_S = 60.0
MAX_NOTICES = 50  # operator notices waiting; older ones are dropped
MAX_BACKOFF_S = 3600.0
LATE_TOLERANCE_S = 0.01
GLOBAL_FLOOD_CHATS = 3  # distinct chats hitting 429 within a second: the whole bot is flooding


@dataclass
class SendReport:
    """What one `send_due` call did (deliveries, except `messages` and `floods`)."""

    messages: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    migrated: int = 0
    floods: int = 0
    plain_text: int = 0

    def unusual(self) -> bool:
        """True when something besides plain sends happened (worth a log line)."""
        return bool(self.failed or self.cancelled or self.migrated or self.floods)

    def summary(self) -> str:
        """`sent 12, retried 3, failed 1, ...` (zeros left out)."""
        fields = ("sent", "retried", "failed", "cancelled", "migrated", "floods", "plain_text")
        return ", ".join(f"{name} {getattr(self, name)}" for name in fields if getattr(self, name))


@dataclass(order=True)
class _Job:
    """A chat's messages, sent in order; ordered in the heap by when the chat is ready."""

    ready_at: float
    seq: int
    chat_id: int = field(compare=False)
    messages: deque[Outgoing] = field(compare=False)


def default_worker_id() -> str:
    """A name for this process's claims: host, pid and a random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Dispatcher:
    """Matches ready stories and sends due deliveries, paced under Telegram's limits."""

    def __init__(
        self,
        store: Store,
        sender: Sender,
        config: DeliveryConfig,
        clock: Callable[[], datetime] = utcnow,
        *,
        worker_id: str | None = None,
        stale_after_s: float = 600.0,
        log_chat: int = 0,
        metrics: Metrics | None = None,
        default_language: str = ENGLISH,
    ) -> None:
        self.store = store
        self.default_language = default_language  # of chats that chose none
        self.metrics: Metrics = metrics or NoMetrics()
        self._minute = SendReport()  # totals since the last per-minute log line
        self._minute_started = time.monotonic()
        self.log_chat = log_chat  # gets `notify` texts, paced like any chat; 0: none
        self._notices: deque[str] = deque(maxlen=MAX_NOTICES)
        self.sender = sender
        self.config = config
        self.clock = clock
        self.worker_id = worker_id or default_worker_id()
        self.stale_after_s = stale_after_s
        self.pacer = Pacer(config.global_per_s, config.private_per_s, config.group_per_min)
        self._heap: list[_Job] = []
        self._seq = itertools.count()
        self._wake = asyncio.Event()
        self._progress = asyncio.Event()
        self._in_flight: set[asyncio.Task[None]] = set()
        self._recent_floods: deque[tuple[float, int]] = deque()

    def notify(self, text: str) -> None:
        """Queue an operator notice for the log chat (sent, paced, with the next round)."""
        if self.log_chat:
            self._notices.append(text)

    def _queue_notices(self) -> None:
        if not self._notices:
            return
        notices = [Outgoing(self.log_chat, escape(t), [], False, False, 0) for t in self._notices]
        self._notices.clear()
        ready = self.pacer.ready_at(self.log_chat, asyncio.get_running_loop().time())
        heapq.heappush(self._heap, _Job(ready, next(self._seq), self.log_chat, deque(notices)))
        self._wake.set()

    async def match_ready(self, now: datetime) -> int:
        """Match ready stories to chats; return how many deliveries were written."""
        window = self.config.instant_window_s
        return await self.store.write(match_ready, now, instant_window_s=window)

    async def send_due(self, now: datetime) -> SendReport:
        """Send every delivery due at `now` (and those that fall due meanwhile); report."""
        report = SendReport()
        loop = asyncio.get_running_loop()
        start = loop.time()

        def clock() -> datetime:
            return now + timedelta(seconds=loop.time() - start)

        scheduler = asyncio.create_task(self._schedule(report, clock))
        try:
            self._queue_notices()
            while await self._feed(clock()):
                await self._wait_for_room()
            await self._drain()
        finally:
            scheduler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await scheduler
        if report.failed:  # for the log chat, with the next round
            self.notify(f"{report.failed} messages failed for good in the last round.")
        for name in ("sent", "retried", "failed", "cancelled", "floods"):
            self.metrics.count(name, getattr(report, name))
            setattr(self._minute, name, getattr(self._minute, name) + getattr(report, name))
        return report

    async def log_minute(self, now: datetime) -> None:
        """Once a minute, one INFO line: what was sent, and how long the queue is."""
        if time.monotonic() - self._minute_started < MINUTE_S:
            return
        figures = await self.store.read(stats)
        oldest = figures["oldest_due_epoch"]
        waited = max(0, int(now.timestamp()) - oldest) if oldest else 0
        m = self._minute
        log.info(
            "last minute: sent %d, retried %d, failed %d, 429s %d; queue %d, oldest due %d s ago",
            m.sent,
            m.retried,
            m.failed,
            m.floods,
            figures["pending"],
            waited,
        )
        self._minute, self._minute_started = SendReport(), time.monotonic()

    async def digest_slots(self) -> list[DigestSlot]:
        """Every distinct digest time of the active daily chats (for the digest jobs)."""
        return await self.store.read(digest_slots)

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Match and send every `delivery.sender_tick_s` until `stop` is set.

        While the database is down, one line per try, with backoff (`bot.core.backoff`).
        """
        backoff = Backoff()
        while not stop.is_set():
            wait = self.config.sender_tick_s
            try:
                await self.match_ready(self.clock())
                report = await self.send_due(self.clock())
            except StoreError as exc:
                wait = max(wait, backoff.failed(time.monotonic()))
                log.warning("delivery: %s; trying again in %.0f s", exc, wait)
            except Exception:
                wait = max(wait, backoff.failed(time.monotonic()))
                log.exception("delivery round failed; trying again in %.0f s", wait)
            else:
                if backoff.succeeded():
                    log.info("delivery: working again")
                if report.unusual():
                    log.info("delivery round: %s", report.summary())
                with contextlib.suppress(StoreError):
                    await self.log_minute(self.clock())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)

    # Feeding: claim rows while fewer than about two seconds of sends are queued.

    def _batch_size(self) -> int:
        return max(1, int(self.config.global_per_s * 2))

    async def _feed(self, now: datetime) -> bool:
        """Claim one batch and queue its messages; False when nothing is due."""
        claimed = await self.store.write(
            q.claim_due,
            self.worker_id,
            now,
            self._batch_size(),
            ahead_s=self.config.instant_window_s,
            stale_after_s=self.stale_after_s,
        )
        if not claimed:
            return False
        messages = await self.store.read(
            compose_messages, claimed, now, self.config, self.default_language
        )
        loop = asyncio.get_running_loop()
        self.pacer.forget(loop.time())
        for chat_id, outgoing in messages.items():
            ready = self.pacer.ready_at(chat_id, loop.time())
            heapq.heappush(self._heap, _Job(ready, next(self._seq), chat_id, deque(outgoing)))
        self._wake.set()
        return True

    async def _wait_for_room(self) -> None:
        """Wait until fewer than a batch of chats wait for a slot."""
        while len(self._heap) >= self._batch_size():
            await self._next_progress()

    async def _drain(self) -> None:
        """Wait until every queued message is sent and recorded."""
        while self._heap or self._in_flight:
            await self._next_progress()

    async def _next_progress(self) -> None:
        self._progress.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._progress.wait(), 1.0)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        self._progress.set()

    # Scheduling: one loop starts each send at the chat's next free slot.

    async def _schedule(self, report: SendReport, clock: Callable[[], datetime]) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not self._heap:
                self._wake.clear()
                await self._wake.wait()
                continue
            job = self._heap[0]
            # Re-sort a chat only for its own limit: every chat waits for the global slot
            # alike, and re-sorting all of them for it cost O(queued chats) a send (#19).
            chat_ready = self.pacer.chat_ready_at(job.chat_id, job.ready_at)
            if chat_ready > job.ready_at:  # paused or busy since queued: look again later
                heapq.heapreplace(self._heap, _Job(chat_ready, job.seq, job.chat_id, job.messages))
                continue
            ready = self.pacer.ready_at(job.chat_id, job.ready_at)
            if ready > loop.time():
                await self._sleep_or_wake(ready - loop.time())
                continue
            heapq.heappop(self._heap)
            # Book the slot we slept for, not the moment we woke: timer overshoot would
            # otherwise add up and lower the rate; a few ms late still fits Telegram's window.
            self.pacer.reserve(job.chat_id, max(ready, loop.time() - LATE_TOLERANCE_S))
            task = asyncio.create_task(self._send_next(job, report, clock))
            self._in_flight.add(task)
            task.add_done_callback(self._done)

    async def _sleep_or_wake(self, delay: float) -> None:
        """Sleep `delay` seconds, or less when a new job is queued."""
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), delay)

    async def _send_next(
        self, job: _Job, report: SendReport, clock: Callable[[], datetime]
    ) -> None:
        message = job.messages.popleft()
        try:
            outcome = await self.sender.send(
                job.chat_id,
                message.html,
                link_preview=message.link_preview,
                thread_id=message.thread_id,
                silent=message.silent,
                expandable=message.expandable,
            )
        except Exception as exc:  # a sender bug must not strand the rows in `sending`
            log.exception("sending to chat %s failed unexpectedly", job.chat_id)
            outcome = SendOutcome("retry", error=f"{type(exc).__name__}: {exc}")
        report.messages += 1
        report.plain_text += outcome.plain_text
        try:
            keep_going = await self._record(job, message, outcome, report, clock())
        except Exception:
            log.exception("could not record a send to chat %s; the claim will expire", job.chat_id)
            return
        if keep_going and job.messages:
            loop = asyncio.get_running_loop()
            job.ready_at = self.pacer.ready_at(job.chat_id, loop.time())
            heapq.heappush(self._heap, job)
            self._wake.set()

    # Recording: every outcome is written at once.

    async def _record(
        self,
        job: _Job,
        message: Outgoing,
        outcome: SendOutcome,
        report: SendReport,
        now: datetime,
    ) -> bool:
        """Write the outcome; True if the chat's next message may follow."""
        rest = [i for m in job.messages for i in m.delivery_ids]
        ids = message.delivery_ids
        if outcome.status == "sent":
            assert outcome.message_id is not None
            sent = await self.store.write(q.mark_sent, ids, outcome.message_id, now)
            report.sent += sent  # not `+= await`: that reads the total before awaiting
            if message.digest:
                log.info("digest sent to chat %s: %d stories", job.chat_id, len(ids))
            if message.digest and not job.messages:
                await self.store.write(q.set_last_digest, job.chat_id, now)
            return True
        if outcome.status == "failed":
            log.warning("chat %s: message refused for good: %s", job.chat_id, outcome.error)
            failed = await self.store.write(q.mark_failed, ids, outcome.error)
            report.failed += failed
            return True
        if outcome.status == "blocked":
            log.info("chat %s blocked the bot (%s); cancelling", job.chat_id, outcome.error)
            removed = await self.store.write(remove_chat, job.chat_id, now, outcome.error)
            report.cancelled += removed.cancelled
            await self._tell_owner(removed)
            return False
        if outcome.status == "thread_gone" and message.thread_id is not None:
            await self._to_general(job, message, outcome)
            return True
        if outcome.status == "migrated":
            assert outcome.new_chat_id is not None
            report.migrated += len(ids) + len(rest)
            await self.store.write(move_chat, job.chat_id, outcome.new_chat_id, ids + rest, now)
            return False
        await self._record_retry(job, message, outcome, rest, report, now)
        return False

    async def _tell_owner(self, removed: RemovedChat) -> None:
        """A group or channel the bot may no longer post in: tell who added the bot, once
        (whichever comes first, this send or Telegram's update that the bot was removed)."""
        notice = removed.owner_notice()
        if notice is None or removed.added_by is None:
            return
        outcome = await self.sender.send(removed.added_by, notice, link_preview=False)
        if outcome.status != "sent":
            log.info("could not tell user %s: %s", removed.added_by, outcome.error)

    async def _to_general(self, job: _Job, message: Outgoing, outcome: SendOutcome) -> None:
        """The forum topic is closed or deleted: from now on its stories go to General.

        Its subscriptions, followed topics and unsent deliveries move there in one write, so
        General hears of it once; this message and the rest of the topic's are sent there.
        """
        thread = message.thread_id
        assert thread is not None
        log.info("chat %s: topic %s is gone (%s): General", job.chat_id, thread, outcome.error)
        first = await self.store.write(forget_thread, job.chat_id, thread) > 0
        moved = [replace(m, thread_id=None) if m.thread_id == thread else m for m in job.messages]
        notice = (
            [Outgoing(job.chat_id, str(texts.THREAD_GONE), [], False, False, 0)] if first else []
        )
        job.messages = deque([*notice, replace(message, thread_id=None), *moved])

    async def _record_retry(
        self,
        job: _Job,
        message: Outgoing,
        outcome: SendOutcome,
        rest: list[int],
        report: SendReport,
        now: datetime,
    ) -> None:
        ids = message.delivery_ids + rest
        if outcome.retry_after_s is not None:
            report.floods += 1
            self._pause(job.chat_id, outcome.retry_after_s)
            due = now + timedelta(seconds=outcome.retry_after_s)
            requeued = await self.store.write(q.requeue, ids, due)
            report.retried += requeued
            return
        backoff = min(self.config.retry_base_s * 2**message.attempts, MAX_BACKOFF_S)
        retried, failed = await self.store.write(
            q.mark_retry,
            ids,
            now + timedelta(seconds=backoff),
            outcome.error,
            count_attempt=True,
            max_attempts=self.config.max_attempts,
        )
        report.retried += retried
        report.failed += failed

    def _pause(self, chat_id: int, retry_after_s: float) -> None:
        """Pause the chat; pause everything when several chats hit 429 within a second."""
        now = asyncio.get_running_loop().time()
        self.pacer.pause_chat(chat_id, now, retry_after_s)
        self._recent_floods.append((now, chat_id))
        while self._recent_floods and self._recent_floods[0][0] < now - 1.0:
            self._recent_floods.popleft()
        if len({c for _, c in self._recent_floods}) >= GLOBAL_FLOOD_CHATS:
            log.warning("global flood control: pausing all sends for %.0f s", retry_after_s)
            self.pacer.pause_all(now, retry_after_s)
