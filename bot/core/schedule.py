"""Digest times and time zones: what users type, and when the next digest falls due.

Pure: `now` is always an argument. A chat in `daily` mode lists local times
(`"08:00,18:30"`) in its IANA timezone; `next_digest_at` finds the next one after `now` in
UTC, safe across DST changes: a time that does not exist that day (clocks jump forward) fires
at the same offset as before the jump, an ambiguous time (clocks go back) fires once, at its
first occurrence.
"""

from __future__ import annotations

import difflib
import functools
import re
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tzfpy

from bot import texts
from bot.core.render import escape
from bot.errors import UserError

MAX_DIGEST_TIMES = 6
_TIME_RE = re.compile(r"^([01]?\d|2[0-3])(?:[:.h]([0-5]\d))?h?$")
_AMPM_RE = re.compile(r"^(0?[1-9]|1[0-2])(?:[:.]([0-5]\d))?\s*([ap])\.?m\.?$")
_OFFSET_RE = re.compile(r"^(?:utc|gmt)?\s*([+-])(\d{1,2})(?::?(00))?$")
_QUIET_RE = re.compile(r"^(.+?)\s*(?:-|–|to|until)\s*(.+)$")


@dataclass(frozen=True)
class DigestSlot:
    """A local time at which some chats get their digest: one daily job each."""

    at: time
    timezone: str

    def job_time(self) -> time:
        """The time with its timezone attached, as `JobQueue.run_daily` wants it."""
        return self.at.replace(tzinfo=chat_zone(self.timezone))


def digest_slots_of(schedules: Iterable[tuple[str, str]]) -> list[DigestSlot]:
    """Distinct (local time, timezone) slots of `(digest_times, timezone)` pairs, sorted."""
    slots = {
        DigestSlot(at, zone or "UTC")
        for spec, zone in schedules
        for at in parse_digest_times(spec)
    }
    return sorted(slots, key=lambda s: (s.timezone, s.at))


def chat_zone(name: str) -> tzinfo:
    """The IANA timezone `name`, or UTC when it is unknown."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def parse_time(value: str) -> time | None:
    """A time of day as people type it: `8:05`, `08:05`, `08`, `20h30`, `8.30`, `8am`,
    `8:30 pm`, `12am` (midnight); None when it is not one."""
    text = value.strip().lower()
    match = _TIME_RE.match(text)
    if match:
        return time(int(match.group(1)), int(match.group(2) or 0))
    match = _AMPM_RE.match(text)
    if match:
        hour = int(match.group(1)) % 12 + (12 if match.group(3) == "p" else 0)
        return time(hour, int(match.group(2) or 0))
    return None


def parse_quiet_hours(value: str) -> str:
    """`23:00-07:00`, `11pm-7am` or `off` → `"23:00-07:00"` (`""` for off); UserError else."""
    text = value.strip().lower()
    if text in {"off", "none", "no", ""}:
        return ""
    match = _QUIET_RE.match(text)
    start = parse_time(match.group(1)) if match else None
    end = parse_time(match.group(2)) if match else None
    if start is None or end is None or start == end:
        raise UserError(texts.QUIET_USAGE)
    return f"{start:%H:%M}-{end:%H:%M}"


def quiet_until(spec: str, zone: str, when: datetime) -> datetime | None:
    """If `when` falls inside the chat's quiet hours (`"23:00-07:00"`, local time in `zone`),
    the moment they end (aware UTC); None outside them or without quiet hours.

    The window may cross midnight. Local times go through the zone on the day they fall, so
    the end is right across a DST change (a skipped end time keeps the offset from before the
    jump, as digest times do).
    """
    start_text, _, end_text = spec.partition("-")
    start, end = parse_time(start_text), parse_time(end_text)
    if start is None or end is None or start == end:
        return None
    tz = chat_zone(zone)
    today = when.astimezone(tz).date()
    for day in (today - timedelta(days=1), today):
        begins = _local_to_utc(day, start, tz)
        ends = _local_to_utc(day + timedelta(days=1 if end <= start else 0), end, tz)
        if begins <= when < ends:
            return ends
    return None


def parse_digest_times(spec: str) -> list[time]:
    """`"08:00, 18:30"` → sorted local times; malformed parts are skipped."""
    times = set()
    for part in spec.split(","):
        at = parse_time(part)
        if at is not None:
            times.add(at)
    return sorted(times)


def next_digest_at(spec: str, zone: str, now: datetime) -> datetime | None:
    """The first digest time at or after `now` (aware UTC), or None without valid times."""
    times = parse_digest_times(spec)
    if not times:
        return None
    tz = chat_zone(zone)
    today = now.astimezone(tz).date()
    for offset in range(3):
        day = today + timedelta(days=offset)
        for at in times:
            candidate = _local_to_utc(day, at, tz)
            if candidate >= now:
                return candidate
    return None  # pragma: no cover - three days always contain a digest time


def _local_to_utc(day: date, at: time, tz: tzinfo) -> datetime:
    # fold=0: a skipped time keeps the offset from before the jump; a repeated one fires first.
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def parse_digest_args(args: list[str]) -> tuple[str, str]:
    """`instant` | `daily HH:MM[,HH:MM]` | `off` → (mode, "HH:MM,HH:MM")."""
    if not args or args[0].lower() not in {"instant", "daily", "off"}:
        raise UserError(texts.DIGEST_USAGE)
    mode = args[0].lower()
    if mode != "daily":
        if len(args) > 1:
            raise UserError(texts.DIGEST_USAGE)
        return mode, ""
    raw: list[str] = []
    for token in (t for t in ",".join(args[1:]).replace(" ", ",").split(",") if t):
        if raw and token.lower().rstrip(".") in {"am", "pm", "a.m", "p.m"}:
            raw[-1] += token  # "8 am" as two words
        else:
            raw.append(token)
    if not raw:
        raise UserError(texts.DIGEST_USAGE)
    if len(raw) > MAX_DIGEST_TIMES:
        raise UserError(texts.DIGEST_TOO_MANY_TIMES.format(limit=MAX_DIGEST_TIMES))
    times = []
    for value in raw:
        at = parse_time(value)
        if at is None:
            raise UserError(texts.DIGEST_BAD_TIME.format(value=escape(value[:40])))
        times.append(f"{at:%H:%M}")
    return mode, ",".join(sorted(set(times)))


@functools.cache
def _zone_names() -> dict[str, str]:
    return {name.lower(): name for name in zoneinfo.available_timezones()}


@functools.cache
def _city_names() -> dict[str, str]:
    """`berlin` → `Europe/Berlin`, `new york` → `America/New_York` (region zones only)."""
    cities: dict[str, str] = {}
    for name in sorted(zoneinfo.available_timezones()):
        region, _, city = name.rpartition("/")
        if region and not region.startswith(("Etc", "SystemV", "posix", "right")):
            cities.setdefault(city.replace("_", " ").lower(), name)
    return cities


def resolve_timezone(value: str) -> str:
    """The canonical IANA name for what was typed: a zone name (any case), a city in it
    (`Berlin`, `new york`) or a whole-hour offset (`+02:00`, `UTC-5`); UserError else, with
    the closest city names as suggestions."""
    text = " ".join(value.strip().split())
    key = text.lower()
    name = _zone_names().get(key) or _zone_names().get(key.replace(" ", "_"))
    name = name or _city_names().get(key.replace("_", " "))
    if name is None and key in {"utc", "gmt", "z"}:
        name = "UTC"
    offset = _OFFSET_RE.match(key.replace(" ", ""))
    if name is None and offset:
        hours = int(offset.group(2))
        if hours == 0:
            return "UTC"
        if hours <= 12 + (offset.group(1) == "+") * 2:
            # POSIX sign: Etc/GMT-2 is two hours *ahead* of UTC.
            return f"Etc/GMT{'-' if offset.group(1) == '+' else '+'}{hours}"
    if name is None:
        close = difflib.get_close_matches(key, list(_city_names()), n=3, cutoff=0.75)
        hint = ", ".join(f"<code>{escape(_city_names()[c])}</code>" for c in close)
        message = texts.TIMEZONE_UNKNOWN.format(value=escape(text[:64]))
        raise UserError(message + (texts.TIMEZONE_SUGGEST.format(names=hint) if hint else ""))
    return name


def zone_at(latitude: float, longitude: float) -> str | None:
    """The IANA time zone of a shared location (tzfpy's offline boundary data); None for
    coordinates that are not on Earth or that the data does not place."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    name = tzfpy.get_tz(longitude, latitude)  # tzfpy takes longitude first
    return _zone_names().get(name.lower()) if name else None
