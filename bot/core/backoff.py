"""Exponential backoff after failures (pure: the caller passes the time).

When the database is down every stage fails on every tick; without a gate that is a
traceback per tick and stage (thousands of lines a minute). A stage keeps a `Backoff`, logs
one line per failed try, and skips its ticks until the next try is due: 1, 2, 4 … 60 s.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Backoff:
    """Failures so far and when the next try is due."""

    first_s: float = 1.0
    max_s: float = 60.0
    failures: int = 0
    next_at: float = 0.0

    def ready(self, now: float) -> bool:
        """True when a try is due at `now`."""
        return now >= self.next_at

    def failed(self, now: float) -> float:
        """Count a failure at `now`; the seconds until the next try."""
        self.failures += 1
        delay: float = min(self.max_s, self.first_s * 2.0 ** min(self.failures - 1, 30))
        self.next_at = now + delay
        return delay

    def succeeded(self) -> bool:
        """Reset after a success; True when it ends a run of failures (worth one log line)."""
        recovered = self.failures > 0
        self.failures = 0
        self.next_at = 0.0
        return recovered
