"""Digest times and time zones: what users type, and when the next digest falls due.

Pure: `now` is always an argument. A chat in `daily` mode lists local times
(`"08:00,18:30"`) in its IANA timezone; `next_digest_at` finds the next one after `now` in
UTC, safe across DST changes: a time that does not exist that day (clocks jump forward) fires
at the same offset as before the jump, an ambiguous time (clocks go back) fires once, at its
first occurrence.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import texts
from bot.core.render import escape
from bot.errors import UserError

MAX_DIGEST_TIMES = 6
_TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


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
    """`"8:05"` or `"08:05"` → 08:05; None when it is not a time of day."""
    match = _TIME_RE.match(value.strip())
    return time(int(match.group(1)), int(match.group(2))) if match else None


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
    raw = [t for t in ",".join(args[1:]).replace(" ", ",").split(",") if t]
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


def resolve_timezone(value: str) -> str:
    """The canonical IANA name for `value` (case-insensitive), or UserError."""
    name = _zone_names().get(value.strip().lower())
    if name is None and value.strip().upper() == "UTC":
        name = "UTC"
    if name is None:
        raise UserError(texts.TIMEZONE_UNKNOWN.format(value=escape(value[:64])))
    return name
