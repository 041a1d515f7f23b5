"""Digest schedules and digest messages (pure: `now` is always an argument).

A chat in `daily` mode lists local times (`"08:00,18:30"`) in its IANA timezone;
`next_digest_at` finds the next one after `now` in UTC, safe across DST changes: a time that
does not exist that day (clocks jump forward) fires at the same offset as before the jump, an
ambiguous time (clocks go back) fires once, at its first occurrence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import texts
from bot.core.render import (
    StoryView,
    render_digest,
    render_story,
    render_story_list,
    split_messages,
)

_TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class DigestEntry:
    """One story due in a chat, with the name of the feed or topic that brought it."""

    story: StoryView
    group: str


@dataclass(frozen=True)
class Outgoing:
    """One message to send, with the delivery rows it carries."""

    chat_id: int
    html: str
    delivery_ids: list[int]
    link_preview: bool
    digest: bool
    attempts: int


def compose_chat(
    chat_id: int,
    entries: list[DigestEntry],
    delivery_of: dict[int, int],
    *,
    daily: bool,
    attempts: int,
    link_preview: bool,
    sentences: int,
    max_stories: int,
    now: datetime,
    tz: tzinfo,
) -> list[Outgoing]:
    """A chat's messages for its due stories: its digest, or the instant stories together."""
    if daily:
        parts = compose_digest(
            entries, max_stories=max_stories, now=now, tz=tz, sentences=sentences
        )
    else:
        stories = [stories for _, stories in group_entries(entries)]
        parts = compose_instant(
            [s for group in stories for s in group], now=now, tz=tz, sentences=sentences
        )
    return [
        Outgoing(chat_id, text, [delivery_of[i] for i in ids], link_preview, daily, attempts)
        for text, ids in parts
    ]


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


def group_entries(entries: list[DigestEntry]) -> list[tuple[str, list[StoryView]]]:
    """Group stories under their feed or topic, each story once, in first-seen order."""
    groups: dict[str, list[StoryView]] = {}
    seen: set[int] = set()
    for entry in entries:
        if entry.story.id in seen:
            continue
        seen.add(entry.story.id)
        groups.setdefault(entry.group, []).append(entry.story)
    return list(groups.items())


def compose_digest(
    entries: list[DigestEntry],
    *,
    max_stories: int,
    now: datetime,
    tz: tzinfo,
    sentences: int = 1,
) -> list[tuple[str, list[int]]]:
    """The digest as messages, each with the ids of the stories it carries.

    At most `max_stories` are listed; the rest are counted in a "+K more: /latest" line and
    still count as delivered (they are one /latest away).
    """
    groups = group_entries(entries)
    total = sum(len(stories) for _, stories in groups)
    shown, left = [], max_stories
    for name, stories in groups:
        if left > 0:
            shown.append((name, stories[:left]))
            left -= len(stories[:left])
    messages = render_digest(
        texts.DIGEST_TITLE, shown, total - max_stories, now, tz, sentences=sentences
    )
    return _attach_ids(messages, [s.id for _, stories in shown for s in stories], groups)


def _attach_ids(
    messages: list[str], shown: list[int], groups: list[tuple[str, list[StoryView]]]
) -> list[tuple[str, list[int]]]:
    """Assign each story to the message whose numbered line carries it; hidden ones go last."""
    result: list[tuple[str, list[int]]] = [(text, []) for text in messages]
    index = 0
    for number, story_id in enumerate(shown, 1):
        while index < len(messages) - 1 and not _has_number(messages[index], number):
            index += 1
        result[index][1].append(story_id)
    hidden = [s.id for _, stories in groups for s in stories if s.id not in set(shown)]
    result[-1][1].extend(hidden)
    return result


def _has_number(message: str, number: int) -> bool:
    return re.search(rf"(^|\n){number}\. ", message) is not None


def compose_instant(
    stories: list[StoryView], *, now: datetime, tz: tzinfo, sentences: int
) -> list[tuple[str, list[int]]]:
    """Stories that arrived together, as one message (or as few as fit), with their ids."""
    if len(stories) == 1:
        text = render_story(stories[0], sentences=sentences, now=now, tz=tz)
        return [(message, [stories[0].id]) for message in split_messages([text])]
    messages = render_story_list("", stories, sentences=sentences, now=now, tz=tz)
    return _attach_ids(messages, [s.id for s in stories], [("", stories)])
