"""Backoff after failures, on a clock the test sets."""

from __future__ import annotations

from bot.core.backoff import Backoff


def test_delays_double_up_to_the_cap_and_reset_on_success() -> None:
    backoff = Backoff(first_s=1.0, max_s=8.0)
    assert backoff.ready(0.0)
    assert [backoff.failed(0.0) for _ in range(5)] == [1.0, 2.0, 4.0, 8.0, 8.0]
    assert not backoff.ready(7.9)
    assert backoff.ready(8.0)
    assert backoff.succeeded()
    assert not backoff.succeeded()
    assert backoff.ready(0.0)
    assert backoff.failed(100.0) == 1.0


def test_a_long_outage_does_not_overflow() -> None:
    backoff = Backoff()
    for _ in range(10_000):
        delay = backoff.failed(0.0)
    assert delay == 60.0
