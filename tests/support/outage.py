"""A database that is down, and what a stage may log about it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

from bot.store.engine import Store
from tests.support.bot_process import free_port


def unreachable_store() -> Store:
    """A PostgreSQL store on a loopback port nothing listens on: every query fails at once."""
    return Store(f"postgresql://postgres@127.0.0.1:{free_port()}/test")


async def lines_logged_while_down(
    run_forever: Callable[[asyncio.Event], Coroutine[Any, Any, None]],
    logger: str,
    caplog: pytest.LogCaptureFixture,
    seconds: float = 3.5,
) -> list[logging.LogRecord]:
    """Run a stage's loop for `seconds` against the dead store; the records `logger` wrote.

    With backoff the tries are at 0, 1 and 3 s (then 7 s): three lines in 3.5 s, where a tick
    of 0.05 s would make seventy.
    """
    stop = asyncio.Event()
    with caplog.at_level(logging.INFO, logger=logger):
        running = asyncio.create_task(run_forever(stop))
        await asyncio.sleep(seconds)
        stop.set()
        await running
    return [r for r in caplog.records if r.name == logger]


def assert_one_line_per_try(records: list[logging.LogRecord]) -> None:
    """A few lines, none with a traceback, each saying when the next try is."""
    assert 2 <= len(records) <= 4, [r.getMessage() for r in records]
    assert all(r.exc_info is None for r in records)
    assert all("trying again in" in r.getMessage() for r in records)
