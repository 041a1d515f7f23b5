"""Digest times across time zones and DST, and what users type for them."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.schedule import (
    next_digest_at,
    parse_digest_args,
    parse_digest_times,
    parse_quiet_hours,
    parse_time,
    quiet_until,
    resolve_timezone,
    zone_at,
)
from bot.errors import UserError

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


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["instant"], ("instant", "")),
        (["OFF"], ("off", "")),
        (["daily", "18:30", "8:05"], ("daily", "08:05,18:30")),
        (["daily", "07:00,07:00"], ("daily", "07:00")),
        (["daily", "8am,8pm"], ("daily", "08:00,20:00")),
        (["daily", "8", "am", "20h30"], ("daily", "08:00,20:30")),
        (["daily", "08"], ("daily", "08:00")),
    ],
)
def test_digest_arguments(args: list[str], expected: tuple[str, str]) -> None:
    assert parse_digest_args(args) == expected


@pytest.mark.parametrize(
    "args",
    [[], ["weekly"], ["instant", "08:00"], ["daily"], ["daily", "25:00"], ["daily", *"1234567"]],
)
def test_bad_digest_arguments_are_refused_with_a_sentence(args: list[str]) -> None:
    with pytest.raises(UserError):
        parse_digest_args(args)


def test_time_zones_are_found_whatever_their_case() -> None:
    assert resolve_timezone("europe/berlin") == "Europe/Berlin"
    assert resolve_timezone(" utc ") == "UTC"
    with pytest.raises(UserError):
        resolve_timezone("Mars/Olympus")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("8:05", time(8, 5)),
        ("08", time(8)),
        ("20:30", time(20, 30)),
        ("20h30", time(20, 30)),
        ("8.30", time(8, 30)),
        ("8am", time(8)),
        ("8 PM", time(20)),
        ("8:30 p.m.", time(20, 30)),
        ("12am", time(0)),
        ("12pm", time(12)),
        ("25:00", None),
        ("13pm", None),
        ("noonish", None),
    ],
)
def test_times_are_read_as_people_type_them(typed: str, expected: time | None) -> None:
    assert parse_time(typed) == expected


def test_time_zones_from_cities_and_offsets_with_suggestions() -> None:
    assert resolve_timezone("Berlin") == "Europe/Berlin"
    assert resolve_timezone("new york") == "America/New_York"
    assert resolve_timezone("+02:00") == "Etc/GMT-2"  # POSIX names run the other way
    assert ZoneInfo("Etc/GMT-2").utcoffset(NOW) == timedelta(hours=2)
    assert resolve_timezone("UTC-5") == "Etc/GMT+5"
    assert resolve_timezone("+0") == "UTC"
    with pytest.raises(UserError, match="Did you mean <code>Europe/Berlin</code>"):
        resolve_timezone("Berln")
    with pytest.raises(UserError) as refused:
        resolve_timezone("-13")  # no such offset
    assert "Did you mean" not in str(refused.value)


def test_quiet_hours_are_read_forgivingly() -> None:
    assert parse_quiet_hours("23:00-07:00") == "23:00-07:00"
    assert parse_quiet_hours("11pm - 7am") == "23:00-07:00"
    assert parse_quiet_hours("22 to 6") == "22:00-06:00"
    assert parse_quiet_hours("off") == ""
    for bad in ("23:00", "23:00-23:00", "late-early"):
        with pytest.raises(UserError, match="/quiet 23:00-07:00"):
            parse_quiet_hours(bad)


def test_quiet_hours_end_at_the_local_time_across_midnight_and_dst() -> None:
    def at(day: int, hour: int, minute: int = 0) -> datetime:
        return datetime(2026, 3, day, hour, minute, tzinfo=UTC)

    window = "23:00-07:00"
    # 28 March, 23:30 in Berlin (CET, +1): quiet until 07:00 on 29 March, which is already
    # summer time (CEST, +2): 05:00 UTC, not 06:00.
    assert quiet_until(window, "Europe/Berlin", at(28, 22, 30)) == at(29, 5)
    assert quiet_until(window, "Europe/Berlin", at(29, 4, 59)) == at(29, 5)
    assert quiet_until(window, "Europe/Berlin", at(29, 5)) is None  # the edge: it is over
    assert quiet_until(window, "Europe/Berlin", at(28, 21, 59)) is None  # 22:59 CET: not yet
    assert quiet_until(window, "Europe/Berlin", at(28, 22)) == at(29, 5)  # 23:00 CET: begun
    assert quiet_until("01:00-03:00", "UTC", at(29, 2)) == at(29, 3)  # within one day
    assert quiet_until("", "UTC", at(29, 2)) is None
    assert quiet_until("nonsense", "UTC", at(29, 2)) is None


def test_a_shared_location_gives_its_time_zone() -> None:
    assert zone_at(52.52, 13.40) == "Europe/Berlin"
    assert zone_at(28.61, 77.21) == "Asia/Kolkata"  # not Kathmandu, the nearer zone city
    assert zone_at(40.71, -74.01) == "America/New_York"
    assert zone_at(-33.87, 151.21) == "Australia/Sydney"
    assert zone_at(91.0, 0.0) is None
    assert zone_at(0.0, 181.0) is None
