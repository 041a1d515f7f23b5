"""The pacer with a fake clock: even spacing, per-chat limits, pauses after 429."""

from __future__ import annotations

from itertools import pairwise

from bot.core.pacing import Pacer


def _pacer() -> Pacer:
    return Pacer(global_per_s=29.0, private_per_s=1.0, group_per_min=20.0)


def _max_in_window(times: list[float], window: float) -> int:
    return max(sum(1 for t in times if start <= t < start + window) for start in times)


def test_slots_are_evenly_spaced_without_a_burst() -> None:
    pacer = _pacer()
    slots = [pacer.reserve(chat, now=100.0) for chat in range(1, 91)]
    gaps = {round(b - a, 9) for a, b in pairwise(slots)}
    assert slots[0] == 100.0
    assert gaps == {round(1 / 29, 9)}
    assert _max_in_window(slots, 1.0) <= 30  # Telegram allows 30 in any second


def test_no_credit_builds_up_while_idle() -> None:
    pacer = _pacer()
    pacer.reserve(1, now=0.0)
    later = [pacer.reserve(chat, now=50.0) for chat in range(2, 5)]
    assert later[0] == 50.0
    assert later[1] - later[0] > 0.03


def test_private_chat_gets_one_message_per_second() -> None:
    pacer = _pacer()
    slots = [pacer.reserve(42, now=10.0) for _ in range(3)]
    assert slots == [10.0, 11.0, 12.0]


def test_group_gets_twenty_per_minute() -> None:
    pacer = _pacer()
    slots = [pacer.reserve(-100, now=0.0) for _ in range(21)]
    assert slots[1] - slots[0] == 3.0
    assert _max_in_window(slots, 60.0) == 20


def test_other_chats_fill_the_gaps_of_a_busy_chat() -> None:
    pacer = _pacer()
    pacer.reserve(7, now=0.0)
    assert pacer.ready_at(7, now=0.0) == 1.0
    assert pacer.ready_at(8, now=0.0) == 1 / 29


def test_a_chats_own_readiness_leaves_out_what_every_chat_waits_for() -> None:
    pacer = _pacer()
    pacer.reserve(7, now=0.0)  # the global slot moves on for every chat; chat 7 waits 1 s
    pacer.pause_all(now=0.0, retry_after=0.5)
    assert pacer.chat_ready_at(8, now=0.0) == 0.0
    assert pacer.chat_ready_at(7, now=0.0) == 1.0
    assert pacer.ready_at(8, now=0.0) == 0.5
    pacer.pause_chat(8, now=0.0, retry_after=3)
    assert pacer.chat_ready_at(8, now=0.0) == 3.0


def test_a_429_pauses_only_that_chat() -> None:
    pacer = _pacer()
    assert pacer.pause_chat(5, now=3.0, retry_after=7) == 10.0
    assert pacer.ready_at(5, now=3.0) == 10.0
    assert pacer.ready_at(6, now=3.0) == 3.0


def test_a_global_flood_pauses_every_chat() -> None:
    pacer = _pacer()
    pacer.pause_all(now=3.0, retry_after=2)
    assert pacer.ready_at(6, now=3.5) == 5.0
    assert pacer.reserve(-9, now=4.0) == 5.0


def test_forget_drops_past_chats_only() -> None:
    pacer = _pacer()
    pacer.reserve(1, now=0.0)
    pacer.pause_chat(2, now=0.0, retry_after=100)
    pacer.forget(now=50.0)
    assert pacer.ready_at(1, now=50.0) == 50.0
    assert pacer.ready_at(2, now=50.0) == 100.0
