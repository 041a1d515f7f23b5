"""Digest schedules and digest messages (pure: `now` is always an argument).

A chat in `daily` mode lists local times (`"08:00,18:30"`) in its IANA timezone;
`next_digest_at` finds the next one after `now` in UTC, safe across DST changes: a time that
does not exist that day (clocks jump forward) fires at the same offset as before the jump, an
ambiguous time (clocks go back) fires once, at its first occurrence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, tzinfo

from bot import texts
from bot.core.render import (
    StoryView,
    render_digest,
    render_story,
    render_story_list,
    split_messages,
)


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
    thread_id: int | None = None  # the forum topic it goes to; None: General or the chat


def compose_chat(
    chat_id: int,
    entries: list[DigestEntry],
    delivery_of: dict[int, int],
    *,
    thread_id: int | None = None,
    daily: bool,
    attempts: int,
    link_preview: bool,
    sentences: int,
    max_stories: int,
    now: datetime,
    tz: tzinfo,
) -> list[Outgoing]:
    """A chat's (or one forum topic's) messages for its due stories: its digest, or the
    instant stories together."""
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
        Outgoing(
            chat_id, text, [delivery_of[i] for i in ids], link_preview, daily, attempts, thread_id
        )
        for text, ids in parts
    ]


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
