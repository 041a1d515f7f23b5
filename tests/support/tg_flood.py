"""Telegram's flood limits as strict sliding windows, for the Bot API stand-in.

A send is admitted only if, counting it, no window holds more than its limit: the global
window (1 s), the chat's window (1 s for private chats, 60 s for groups, supergroups and
channels). A rejected send uses no budget. `admit()` takes the time as an argument.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class FloodLimits:
    """Limits in messages per window; None switches a limit off."""

    global_per_s: int | None = None
    private_per_s: int | None = None
    group_per_min: int | None = None


class FloodGate:
    """Sliding-window counters for the global and per-chat limits."""

    def __init__(self, limits: FloodLimits) -> None:
        self.limits = limits
        self._global: deque[float] = deque()
        self._chats: dict[int, deque[float]] = {}

    def admit(self, chat_id: int, is_private: bool, now: float) -> int | None:
        """Record a send and return None, or return retry_after seconds (>= 1) and record none."""
        chat_limit = self.limits.private_per_s if is_private else self.limits.group_per_min
        chat_window = 1.0 if is_private else 60.0
        chat_times = self._chats.get(chat_id)
        waits = [
            _wait(self._global, self.limits.global_per_s, 1.0, now),
            _wait(chat_times, chat_limit, chat_window, now) if chat_times else None,
        ]
        rejected = [w for w in waits if w is not None]
        if rejected:
            return max(rejected)
        if self.limits.global_per_s is not None:
            self._global.append(now)
        if chat_limit is not None:
            self._chats.setdefault(chat_id, deque()).append(now)
        return None

    def reset(self) -> None:
        """Forget every recorded send."""
        self._global.clear()
        self._chats.clear()


def _wait(times: deque[float], limit: int | None, window: float, now: float) -> int | None:
    """Seconds until one more send fits in the window, or None if it fits now."""
    if limit is None:
        return None
    while times and times[0] <= now - window:
        times.popleft()
    if len(times) < limit:
        return None
    # The send fits once the oldest sends that fill the window have left it.
    leaves_at = times[len(times) - limit] + window
    return max(1, math.ceil(leaves_at - now))
