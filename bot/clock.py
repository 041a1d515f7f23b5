"""The wall clock, for the I/O side only: core code takes `now` as an argument.

`DIGEST_BOT_CLOCK_OFFSET_S` (seconds, default 0) moves the bot's clock: the end-to-end test
starts the real program a few seconds before a minute so that a daily digest falls due without
waiting for a wall-clock minute. Nothing else should set it.
"""

from __future__ import annotations

import functools
import os
from datetime import UTC, datetime, timedelta

CLOCK_OFFSET_ENV = "DIGEST_BOT_CLOCK_OFFSET_S"


@functools.cache
def _offset() -> timedelta:
    try:
        return timedelta(seconds=float(os.environ.get(CLOCK_OFFSET_ENV) or 0))
    except ValueError:
        return timedelta(0)


def utcnow() -> datetime:
    """The current time, aware UTC."""
    return datetime.now(UTC) + _offset()
