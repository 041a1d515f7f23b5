"""Digest times across timezones and DST, and digest messages under Telegram's limit."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from bot.core.digest import (
    DigestEntry,
    compose_chat,
    compose_digest,
    next_digest_at,
    parse_digest_times,
)
from bot.core.render import StoryView, visible_length

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def test_parse_digest_times_sorts_and_skips_bad_parts() -> None:
    assert parse_digest_times("18:30, 8:05,25:00,x,08:05") == [time(8, 5), time(18, 30)]


def test_next_digest_later_today_in_the_chats_timezone() -> None:
    # 08:00 UTC is 09:00 in Berlin (CET); the 18:30 digest is 17:30 UTC.
    assert next_digest_at("08:00,18:30", "Europe/Berlin", NOW) == datetime(
        2026, 11, 25, 17, 30, tzinfo=UTC
    )


def test_next_digest_tomorrow_when_todays_have_passed() -> None:
    got = next_digest_at("07:00", "Asia/Tokyo", NOW)  # 17:00 in Tokyo now
    assert got == datetime(2026, 11, 25, 22, 0, tzinfo=UTC)


def test_next_digest_now_when_exactly_due() -> None:
    assert next_digest_at("09:00", "Europe/Berlin", NOW) == NOW


def test_spring_forward_gap_fires_once_at_the_shifted_time() -> None:
    # 29 March 2026: Berlin clocks jump from 02:00 to 03:00; 02:30 does not exist.
    now = datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    got = next_digest_at("02:30", "Europe/Berlin", now)
    assert got == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert got.astimezone(BERLIN).hour == 3


def test_fall_back_fires_at_the_first_occurrence_only() -> None:
    # 25 October 2026: Berlin clocks go back from 03:00 to 02:00; 02:30 happens twice.
    now = datetime(2026, 10, 24, 23, 0, tzinfo=UTC)
    first = next_digest_at("02:30", "Europe/Berlin", now)
    assert first == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    after = next_digest_at("02:30", "Europe/Berlin", datetime(2026, 10, 25, 0, 31, tzinfo=UTC))
    assert after == datetime(2026, 10, 26, 1, 30, tzinfo=UTC)


def test_unknown_timezone_falls_back_to_utc_and_no_times_gives_none() -> None:
    assert next_digest_at("10:00", "Mars/Olympus", NOW) == datetime(2026, 11, 25, 10, tzinfo=UTC)
    assert next_digest_at("", "UTC", NOW) is None


def _entry(i: int, group: str, also: tuple[str, ...] = (), summary: str = "Short.") -> DigestEntry:
    story = StoryView(
        id=i,
        title=f"Story {i}",
        url=f"https://example.org/{i}",
        sources=(group,),
        summary=(summary,),
        also_in=also,
    )
    return DigestEntry(story, group)


def test_digest_groups_numbers_and_dedupes() -> None:
    entries = [
        _entry(1, "Reuters", also=("AP", "BBC")),
        _entry(2, "AP"),
        _entry(3, "Reuters"),
        _entry(1, "AP"),
    ]
    [(text, ids)] = compose_digest(entries, max_stories=20, now=NOW, tz=UTC)
    assert sorted(ids) == [1, 2, 3]
    assert text.count("Story 1<") == 1
    assert "also in AP, BBC" in text
    assert text.index("Reuters") < text.index("1. ") < text.index("2. ") < text.index("<b>AP")
    assert "3. " in text


def test_digest_caps_stories_with_a_more_line_and_counts_hidden_as_delivered() -> None:
    entries = [_entry(i, "Feed") for i in range(1, 26)]
    messages = compose_digest(entries, max_stories=20, now=NOW, tz=UTC)
    assert "+5 more: /latest" in messages[-1][0]
    assert "20. " in "".join(t for t, _ in messages)
    assert "21. " not in "".join(t for t, _ in messages)
    assert sorted(i for _, ids in messages for i in ids) == list(range(1, 26))


def test_long_digest_splits_into_few_messages_under_4096() -> None:
    long = "A sentence that is quite long and says a lot of things. " * 12
    entries = [_entry(i, "Feed", summary=long) for i in range(1, 21)]
    messages = compose_digest(entries, max_stories=20, now=NOW, tz=UTC, sentences=1)
    assert 1 < len(messages) <= 5
    assert all(visible_length(text) <= 4096 for text, _ in messages)
    ids = [i for _, chunk in messages for i in chunk]
    assert ids == list(range(1, 21))
    for text, chunk in messages:
        assert all(f"Story {i}<" in text for i in chunk)


def test_instant_stories_arriving_together_are_one_message() -> None:
    entries = [_entry(1, "Feed"), _entry(2, "Other")]
    [message] = compose_chat(
        7,
        entries,
        {1: 101, 2: 102},
        daily=False,
        attempts=0,
        link_preview=False,
        sentences=3,
        max_stories=20,
        now=NOW,
        tz=UTC,
    )
    assert message.delivery_ids == [101, 102]
    assert "Story 1" in message.html
    assert "Story 2" in message.html
    assert not message.digest
