"""Per-user token buckets, on a clock the test sets."""

from __future__ import annotations

from bot.core.ratelimit import RateLimiter


def test_a_burst_is_allowed_then_one_token_per_interval() -> None:
    limiter = RateLimiter(capacity=3, per_s=0.1)
    assert [limiter.allow(7, 0.0) for _ in range(5)] == [True, True, True, False, False]
    assert limiter.retry_after_s(7, 0.0) == 10.0
    assert not limiter.allow(7, 9.9)
    assert limiter.allow(7, 10.0)
    assert not limiter.allow(7, 10.0)


def test_users_have_their_own_buckets() -> None:
    limiter = RateLimiter(capacity=1, per_s=1.0)
    assert limiter.allow(1, 0.0)
    assert not limiter.allow(1, 0.0)
    assert limiter.allow(2, 0.0)


def test_full_buckets_are_forgotten_so_memory_stays_bounded() -> None:
    limiter = RateLimiter(capacity=2, per_s=1.0)
    for user in range(5000):
        limiter.allow(user, float(user))
    assert len(limiter._buckets) <= 1025
    assert limiter.allow(0, 5000.0)
