"""Per-user token buckets (pure: the caller passes the time).

Commands make the bot fetch URLs a user names; without a bound one user could make it fetch
a hundred addresses in a row. Each user has a bucket of `capacity` tokens, refilled at
`per_s` tokens a second; a fetch takes one. Buckets that are full again are forgotten, so
memory stays bounded by the users active in the last `capacity / per_s` seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RateLimiter:
    """`allow(key, now)` is True and takes a token, or False when `key` must wait."""

    capacity: float
    per_s: float
    _buckets: dict[int, tuple[float, float]] = field(default_factory=dict)  # tokens, at

    def allow(self, key: int, now: float) -> bool:
        """Take one of `key`'s tokens at time `now` (seconds), if it has one."""
        tokens = self._tokens(key, now)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            return False
        self._buckets[key] = (tokens - 1.0, now)
        if len(self._buckets) > 1024:
            self._forget_full(now)
        return True

    def retry_after_s(self, key: int, now: float) -> float:
        """Seconds until `key` has a token again (0 when it has one)."""
        return max(0.0, (1.0 - self._tokens(key, now)) / self.per_s)

    def _tokens(self, key: int, now: float) -> float:
        tokens, at = self._buckets.get(key, (self.capacity, now))
        return min(self.capacity, tokens + max(0.0, now - at) * self.per_s)

    def _forget_full(self, now: float) -> None:
        for key in [k for k in self._buckets if self._tokens(k, now) >= self.capacity]:
            del self._buckets[key]
