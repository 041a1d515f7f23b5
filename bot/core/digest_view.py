"""The shape of a digest on a phone (pure): ranked, grouped, one short line per story.

A digest is read on a phone, so by default each story is its linked title, its source and the
best summary sentence cut to a line; the whole summaries are one tap away (the digest's "Full
summaries" button renders `full_pages` in place). Stories are ranked by how many outlets
carried them, then by time: a story in five feeds is news. Groups keep that order: followed
topics first, then feeds, each group placed by its best story.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from bot import texts
from bot.core.render import (
    MESSAGE_LIMIT,
    StoryView,
    best_line,
    escape,
    render_story,
    render_title,
    shorten,
    split_messages,
    visible_length,
)
from bot.i18n import ENGLISH, current_language, format_date_like

LINE_MAX = 110  # characters of the one line, at most (about three lines on a phone)
LINE_MIN = 60  # ... and at least, however many stories share the message
TITLE_MAX = 120  # a compact digest's titles are cut here
_PAGE_ROOM = 80  # kept free in each message for the continuation header


@dataclass(frozen=True)
class Group:
    """Stories under one heading: a followed topic, or the feed that brought them."""

    name: str
    topic: bool
    stories: tuple[StoryView, ...]


def coverage(story: StoryView) -> int:
    """How many feeds carried the story."""
    return max(1, len(story.sources) + len(story.also_in))


def _story_key(story: StoryView) -> tuple[int, float, int]:
    when = story.published.timestamp() if story.published is not None else 0.0
    return (-coverage(story), -when, story.id)


def rank_groups(groups: Sequence[Group]) -> list[Group]:
    """Each group's stories most-covered first, then newest; topics before feeds, each kind
    ordered by its best story."""
    ranked = [
        Group(g.name, g.topic, tuple(sorted(g.stories, key=_story_key)))
        for g in groups
        if g.stories
    ]
    return sorted(ranked, key=lambda g: (not g.topic, _story_key(g.stories[0])))


def cap(groups: Sequence[Group], max_stories: int) -> tuple[list[Group], int]:
    """The ranked groups cut to `max_stories` stories in all (the best kept), and how many
    were left out."""
    shown: list[Group] = []
    left = max_stories
    for group in groups:
        if left > 0:
            shown.append(Group(group.name, group.topic, group.stories[:left]))
            left -= len(shown[-1].stories)
    total = sum(len(g.stories) for g in groups)
    return shown, max(0, total - max_stories)


def digest_day(now: datetime, tz: tzinfo) -> str:
    """`Tuesday 2 December`, in the chat's time zone and language (`Mi., 2. Dezember`)."""
    local = now.astimezone(tz)
    if current_language() != ENGLISH:
        return format_date_like(local, "MMMMEd")
    return f"{local:%A} {local.day} {local:%B}"


def compact_pages(
    groups: Sequence[Group], hidden: int, *, length: int, now: datetime, tz: tzinfo
) -> list[tuple[str, list[int]]]:
    """The digest as messages with the story ids each carries (`length` 0: titles only, 1:
    a line per story, 2-5: that many summary sentences per story).

    Up to 20 ordinary stories fit one message: the line shrinks (not below `LINE_MIN`) with
    the count. Longer digests continue in further messages, each a whole number of stories.
    """
    count = sum(len(g.stories) for g in groups) + hidden
    day = digest_day(now, tz)
    header = texts.DIGEST_HEADER.format(day=escape(day), count=texts.stories_count(count))
    line = _line_budget(groups, header) if length == 1 else 0
    blocks: list[tuple[str, int | None, bool]] = [(header, None, True)]
    number = 1
    for group in groups:
        for i, story in enumerate(group.stories):
            heading = f"<b>{escape(shorten(group.name, 100))}</b>\n" if i == 0 else ""
            body = _story(story, group, length=length, line=line, now=now, tz=tz)
            # Compact stories of a group follow each other line by line; a blank line
            # separates groups (and the longer stories of lengths 2-5).
            blocks.append((f"{heading}{number}. {body}", story.id, i == 0 or length >= 2))
            number += 1
    if hidden:
        blocks.append((escape(texts.MORE_STORIES.format(count=hidden)), None, True))
    return _paged(blocks, day)


def full_pages(groups: Sequence[Group], *, sentences: int, now: datetime, tz: tzinfo) -> list[str]:
    """The same stories with their whole summaries and tags, as messages (the "Full
    summaries" view of a digest message), numbered as in the compact list."""
    blocks = []
    number = 1
    for group in groups:
        for i, story in enumerate(group.stories):
            heading = f"<b>{escape(shorten(group.name, 100))}</b>\n" if i == 0 else ""
            body = render_story(story, sentences=max(sentences, 1), now=now, tz=tz)
            blocks.append(f"{heading}{number}. {body}")
            number += 1
    return split_messages(blocks) if blocks else []


def _story(
    story: StoryView, group: Group, *, length: int, line: int, now: datetime, tz: tzinfo
) -> str:
    if length >= 2:
        return render_story(story, sentences=length, now=now, tz=tz)
    title = render_title(StoryView(story.id, shorten(story.title, TITLE_MAX), story.url))
    source = _source(story, group)
    text = escape(best_line(story, line)) if length == 1 else ""
    second = " · ".join(part for part in (f"<i>{source}</i>" if source else "", text) if part)
    return f"{title}\n{second}" if second else title


def _source(story: StoryView, group: Group) -> str:
    """Who carried it, leaving out the feed the group heading already names."""
    names = [n for n in (*story.sources, *story.also_in) if group.topic or n != group.name]
    if not names:
        return ""
    shown = ", ".join(names[:2]) + (f" +{len(names) - 2}" if len(names) > 2 else "")
    return escape(shorten(shown, 80))


def _line_budget(groups: Sequence[Group], header: str) -> int:
    """Characters for each story's line so that the whole digest fits one message."""
    stories = [(s, g) for g in groups for s in g.stories]
    if not stories:
        return LINE_MAX
    fixed = visible_length(header) + 40  # header, "+K more", separators
    for story, group in stories:
        fixed += 8 + min(len(story.title), TITLE_MAX) + len(_source(story, group))
        if story is group.stories[0]:
            fixed += min(len(group.name), 100) + 1
    spare = (MESSAGE_LIMIT - _PAGE_ROOM - fixed) // len(stories)
    return max(LINE_MIN, min(LINE_MAX, spare))


def _paged(blocks: list[tuple[str, int | None, bool]], day: str) -> list[tuple[str, list[int]]]:
    """Pack blocks (text, story id, after a blank line) into messages, never splitting one;
    every message after the first opens with a continuation line (`… continued (2/3)`)."""
    pages: list[list[tuple[str, int | None, bool]]] = [[]]
    size = 0
    for item in blocks:
        length = visible_length(item[0]) + 2
        if pages[-1] and size + length > MESSAGE_LIMIT - _PAGE_ROOM:
            pages.append([])
            size = 0
        pages[-1].append(item)
        size += length
    result = []
    for n, page in enumerate(pages, 1):
        text = page[0][0]
        for block, _, spaced in page[1:]:
            text += ("\n\n" if spaced else "\n") + block
        if n > 1:
            lead = texts.DIGEST_CONTINUED.format(day=escape(day), page=n, pages=len(pages))
            text = f"{lead}\n\n{text}"
        text = split_messages([text])[0]  # only a single over-long story is ever cut here
        result.append((text, [i for _, i, _ in page if i is not None]))
    return result
