"""CPU-bound story work in worker processes, each task with a time budget (pebble).

Extraction and summaries are pure Python: in the event loop's process they would hold the
GIL and stall polling and sending, and a thread cannot be stopped. A `ProcessWorkers` pool
runs them in other processes; a task that runs out of its budget has its worker killed and
replaced (pebble does that, which `concurrent.futures` cannot), and the caller gets a
`WorkError` it can turn into a fallback. Workers come from a fork server, so they start from
a clean process without the bot's threads, and each warms up once (models loaded) before it
takes a task; the budget counts from the task's start. `preload` names modules the fork server
imports before it forks any worker, so their pages are shared (`bot.proc.settle` comes last and
settles its heap); there is one fork server per process, and it keeps the preload of the first
pool that started it (the bot has one pool).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from pebble import ProcessExpired, ProcessPool

from bot.errors import WorkError

log = logging.getLogger(__name__)

T = TypeVar("T")


def default_workers() -> int:
    """One worker per core (the event loop mostly waits on the network)."""
    return max(1, os.cpu_count() or 1)


class ProcessWorkers:
    """A pool of worker processes; `await run(fn, *args)` with the pool's per-task budget."""

    def __init__(
        self,
        workers: int,
        timeout_s: float,
        *,
        warm_up: Callable[[], None] | None = None,
        preload: tuple[str, ...] = (),
    ) -> None:
        self.workers = workers or default_workers()
        self.timeout_s = timeout_s
        self._warm_up = warm_up
        self.preload = preload  # modules the fork server imports before it forks a worker
        self._pool: ProcessPool | None = None
        self._closed = False
        self._lock = threading.Lock()  # one pool, even when two first tasks start it at once

    def _started(self) -> ProcessPool:
        """The pool, started on first use (a bot that never enriches starts no process).

        Starting it blocks until the fork server has imported its preload and forked the
        workers, seconds on a busy machine: the event loop calls this in a thread then.
        """
        with self._lock:
            if self._closed:
                raise WorkError("the worker processes are stopping")
            if self._pool is not None and not self._pool.active:  # broken: start a new one
                log.warning("the worker pool stopped working; starting a new one")
                self._discard()
            if self._pool is None:
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload([*self.preload, "bot.proc.settle"])
                pool = ProcessPool(
                    max_workers=self.workers, initializer=self._warm_up, context=context
                )
                _ = pool.active  # pebble starts the workers on this first look, here
                self._pool = pool
            return self._pool

    async def _running(self) -> ProcessPool:
        """The pool; started in a thread when it is not running yet, so the loop never waits."""
        pool = self._pool
        if pool is None:
            return await asyncio.to_thread(self._started)
        return self._started()

    async def run(self, fn: Callable[..., T], *args: Any, timeout_s: float | None = None) -> T:
        """`fn(*args)` in a worker; `WorkError` when it runs out of time or its worker dies.

        The budget is `timeout_s`, else the pool's. Exceptions raised by `fn` itself come back
        as they are.
        """
        budget = timeout_s or self.timeout_s
        try:
            future = (await self._running()).schedule(fn, args=args, timeout=budget)
        except RuntimeError:  # pebble refuses work once its pool is broken: one new pool
            self._discard()
            future = (await self._running()).schedule(fn, args=args, timeout=budget)
        try:
            result: T = await asyncio.wrap_future(future)
        except concurrent.futures.TimeoutError:
            raise WorkError(f"ran out of its {budget:g} s budget") from None
        except ProcessExpired as exc:
            raise WorkError(f"its worker process died (exit code {exc.exitcode})") from None
        except asyncio.CancelledError:
            future.cancel()  # type: ignore[no-untyped-call]  # pebble stops its worker
            raise
        return result

    def _discard(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.stop()  # type: ignore[no-untyped-call]

    def close(self, timeout_s: float = 3.0) -> None:
        """Stop every worker now (work in flight is abandoned; its stories are retried).

        Blocks up to `timeout_s`: from the event loop, call it in a thread. No new pool is
        started after this.
        """
        self._closed = True
        pool, self._pool = self._pool, None
        if pool is None:
            return
        pool.stop()  # type: ignore[no-untyped-call]
        try:
            pool.join(timeout=timeout_s)
        except TimeoutError:  # pragma: no cover - pebble kills workers that do not stop
            log.warning("worker processes did not stop within %g s", timeout_s)
