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
from bot.core.digest_view import Group, cap, compact_pages, full_pages, rank_groups
from bot.core.render import StoryView, render_story, split_messages


@dataclass(frozen=True)
class DigestEntry:
    """One story due in a chat, with the name of the feed or topic that brought it."""

    story: StoryView
    group: str
    topic: bool = False  # brought by a followed topic (`group` is its query), not a feed


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
    silent: bool = False  # sent without a notification sound
    expandable: bool = False  # a compact digest: offer its full summaries (a button)


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
    digest_length: int = 1,
    silent: bool = False,
    held: bool = False,
    full_view: bool = True,
) -> list[Outgoing]:
    """A chat's (or one forum topic's) messages for its due stories: its digest, or the
    instant stories together (`held`: they waited for the end of its quiet hours).

    `full_view`: a compact digest offers its full summaries (a button). Only private chats
    get it: in a group or channel one reader's tap would redraw the message for everyone.
    """
    if daily:
        parts = compose_digest(
            entries, max_stories=max_stories, now=now, tz=tz, length=digest_length
        )
    else:
        parts = compose_instant(entries, now=now, tz=tz, sentences=sentences, held=held)
    # The full view redraws a message from its own deliveries: only a digest of one message
    # (up to 20 stories) carries exactly what it lists plus the "+K more" it counts.
    expandable = full_view and daily and digest_length < 2 and len(parts) == 1
    return [
        Outgoing(
            chat_id,
            text,
            [delivery_of[i] for i in ids],
            link_preview,
            daily,
            attempts,
            thread_id,
            silent=silent and not daily,
            expandable=expandable and bool(ids),
        )
        for text, ids in parts
    ]


def digest_groups(entries: list[DigestEntry]) -> list[Group]:
    """The entries under their feed or topic, each story once (its first group), ranked."""
    groups: dict[tuple[bool, str], list[StoryView]] = {}
    seen: set[int] = set()
    for entry in entries:
        if entry.story.id in seen:
            continue
        seen.add(entry.story.id)
        groups.setdefault((entry.topic, entry.group), []).append(entry.story)
    return rank_groups([Group(name, topic, tuple(s)) for (topic, name), s in groups.items()])


def compose_digest(
    entries: list[DigestEntry],
    *,
    max_stories: int,
    now: datetime,
    tz: tzinfo,
    length: int = 1,
) -> list[tuple[str, list[int]]]:
    """The digest as messages, each with the ids of the stories it carries.

    At most `max_stories` are listed, the most covered first; the rest are counted in a "+K
    more: /latest" line and still count as delivered (they are one /latest away): their ids
    go with the last message.
    """
    ranked = digest_groups(entries)
    shown, hidden = cap(ranked, max_stories)
    pages = compact_pages(shown, hidden, length=length, now=now, tz=tz)
    listed = {i for _, ids in pages for i in ids}
    left_out = [s.id for g in ranked for s in g.stories if s.id not in listed]
    pages[-1][1].extend(left_out)
    return pages


def compose_full(
    entries: list[DigestEntry], *, max_stories: int, sentences: int, now: datetime, tz: tzinfo
) -> list[str]:
    """A digest's stories with their whole summaries, in the digest's order and numbering."""
    shown, _ = cap(digest_groups(entries), max_stories)
    return full_pages(shown, sentences=sentences, now=now, tz=tz)


def compose_instant(
    entries: list[DigestEntry], *, now: datetime, tz: tzinfo, sentences: int, held: bool = False
) -> list[tuple[str, list[int]]]:
    """Stories that arrived together, as one message (or as few as fit), with their ids.

    A story pushed for a followed topic says so; several stories get a one-line header.
    """
    unique: dict[int, DigestEntry] = {}
    for entry in entries:
        unique.setdefault(entry.story.id, entry)
    items = list(unique.values())
    blocks = []
    for number, entry in enumerate(items, 1):
        following = entry.group if entry.topic else ""
        body = render_story(entry.story, sentences=sentences, now=now, tz=tz, following=following)
        blocks.append(body if len(items) == 1 else f"{number}. {body}")
    if held:
        blocks.insert(0, texts.QUIET_BATCH_HEADER.format(count=texts.stories_count(len(items))))
    elif len(items) > 1:
        blocks.insert(0, texts.BATCH_HEADER.format(count=len(items)))
    messages = split_messages(blocks)
    ids = [e.story.id for e in items]
    if len(items) == 1:
        return [(message, ids) for message in messages[:1]] + [(m, []) for m in messages[1:]]
    return _attach_ids(messages, ids)


def _attach_ids(messages: list[str], shown: list[int]) -> list[tuple[str, list[int]]]:
    """Assign each story to the message whose numbered line carries it."""
    result: list[tuple[str, list[int]]] = [(text, []) for text in messages]
    index = 0
    for number, story_id in enumerate(shown, 1):
        while index < len(messages) - 1 and not _has_number(messages[index], number):
            index += 1
        result[index][1].append(story_id)
    return result


def _has_number(message: str, number: int) -> bool:
    return re.search(rf"(^|\n){number}\. ", message) is not None
