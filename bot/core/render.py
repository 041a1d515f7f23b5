"""Telegram HTML for stories, story lists and digests (pure).

Messages are built from escaped text and a few tags (`b`, `i`, `a`, `code`, `blockquote`).
Telegram limits a message to 4096 characters *after* entity parsing, counted in UTF-16 code
units; `visible_length` measures that, and `split_messages` packs blocks under the limit,
splitting only between blocks and shortening a single over-long block with balanced tags.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, tzinfo
from urllib.parse import urlsplit

from bot import texts
from bot.core.text.summary_text import summary_of_length
from bot.i18n import ENGLISH, current_language, format_date_like

MESSAGE_LIMIT = 4096
TITLE_MAX = 300
MAX_TAGS = 3  # hashtags under a story: its feed's categories first, then its keywords
_TAG_RE = re.compile(r"<(/?)([a-zA-Z-]+)([^>]*)>")
_SENTENCE_END_RE = re.compile(r"[.!?…][\"'”’)\]]*\s")
_HASHTAG_DROP_RE = re.compile(r"[^\w]+")


@dataclass(frozen=True)
class StoryView:
    """What a rendered story shows: the story's fields, ready for display."""

    id: int
    title: str
    url: str
    sources: tuple[str, ...] = ()
    published: datetime | None = None
    summary: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()  # the feed's own, shown as tags before the keywords
    also_in: tuple[str, ...] = ()
    summary_ranks: tuple[int, ...] = ()  # pick order of each summary sentence, 0 = best


def escape(text: str) -> str:
    """Escape text for Telegram HTML (`<`, `>`, `&` and `"`)."""
    return html.escape(text, quote=True).replace("&#x27;", "'")


def to_plain(markup: str) -> str:
    """Telegram HTML as plain text: tags dropped, entities decoded."""
    return html.unescape(_TAG_RE.sub("", markup))


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts it."""
    return len(text.encode("utf-16-le")) // 2


def visible_length(markup: str) -> int:
    """Length of Telegram HTML after entity parsing (tags dropped, entities decoded)."""
    return utf16_length(html.unescape(_TAG_RE.sub("", markup)))


def safe_url(url: str) -> str | None:
    """The URL if it is a usable http(s) link, else None."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in {"http", "https"} or not parts.netloc or any(c.isspace() for c in url):
        return None
    return url.strip()


def hashtag(keyword: str) -> str:
    """A keyword as a Telegram hashtag: `Bashar al-Assad` → `#Bashar_al_Assad` ('' if none).

    The one casing rule for every tag: it starts with a capital. A keyword written all in
    lower case gets one (`central bank` → `#Central_bank`), one all in capitals with five
    letters or more is shouted, not an acronym (`WORLD NEWS` → `#World_News`; `#NATO`
    stays), and names keep their own case (`#iPhone`, `#Bashar_al_Assad`).
    """
    word = _HASHTAG_DROP_RE.sub("_", unicodedata.normalize("NFC", keyword)).strip("_")
    if not word or word.replace("_", "").isdigit():
        return ""
    if word.isupper() and len(word) - word.count("_") >= 5:
        word = "_".join(part.capitalize() for part in word.split("_"))
    elif word.islower():
        word = word[:1].upper() + word[1:]
    return "#" + word


def story_tags(
    categories: tuple[str, ...], keywords: tuple[str, ...], limit: int = MAX_TAGS
) -> tuple[str, ...]:
    """A story's hashtags: its feed's categories first, then its keywords, `limit` at most.

    A tag that differs from an earlier one only in case is the same tag (`#World`, `#world`).
    """
    tags: dict[str, str] = {}
    for term in (*categories, *keywords):
        if len(tags) >= limit:
            break
        tag = hashtag(term)
        if tag:
            tags.setdefault(tag.casefold(), tag)
    return tuple(tags.values())


def format_time(when: datetime, now: datetime, tz: tzinfo) -> str:
    """`14:05` for today, `24 Nov 14:05` this year, `24 Nov 2025` before (in `tz`)."""
    local, today = when.astimezone(tz), now.astimezone(tz)
    if local.date() == today.date():
        return local.strftime("%H:%M")
    if current_language() != ENGLISH:  # `1. Dez. 14:05`, `1 déc. 2025`: CLDR's way
        if local.year == today.year:
            return f"{format_date_like(local, 'MMMd')} {local:%H:%M}"
        return format_date_like(local, "yMMMd")
    if local.year == today.year:
        return f"{local.day} {local:%b %H:%M}"
    return f"{local.day} {local:%b %Y}"


def zone_label(when: datetime, tz: tzinfo) -> str:
    """The zone's name at `when` as a reader knows it: `CET`, `UTC`, `UTC+5:30` (for zones
    whose abbreviation is only an offset, like `+0530`)."""
    local = when.astimezone(tz)
    name = local.tzname() or ""
    if name and name[0] not in "+-" and not name.startswith("UTC+"):
        return name
    offset = local.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    if minutes == 0:
        return "UTC"
    sign, minutes = ("+" if minutes > 0 else "-"), abs(minutes)
    hours, rest = divmod(minutes, 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def format_time_zoned(when: datetime, now: datetime, tz: tzinfo) -> str:
    """`format_time` with the zone named when a time of day is shown (`14:05 CET`)."""
    shown = format_time(when, now, tz)
    return f"{shown} {zone_label(when, tz)}" if ":" in shown else shown


def shorten(text: str, limit: int) -> str:
    """`text` on one line, cut at a word boundary with `…` to at most `limit` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip() + "…"


def render_title(story: StoryView) -> str:
    """The title in bold, as a link when the story has a usable URL."""
    title = escape(shorten(story.title, TITLE_MAX) or story.url or "Untitled")
    url = safe_url(story.url)
    if url is None:
        return f"<b>{title}</b>"
    return f'<b><a href="{escape(url)}">{title}</a></b>'


def render_meta(story: StoryView, now: datetime, tz: tzinfo, following: str = "") -> str:
    """Source names and time (with its zone), in italics, with the other feeds that carried
    it and, for a story pushed for a followed topic, that topic."""
    parts = [escape(shorten(", ".join(story.sources), 200))] if story.sources else []
    if story.published is not None:
        parts.append(format_time_zoned(story.published, now, tz))
    if story.also_in:
        names = escape(shorten(", ".join(story.also_in), 200))
        parts.append(texts.ALSO_IN.format(names=names))
    if following:
        parts.append(texts.FOLLOWING.format(query=escape(shorten(following, 100))))
    return f"<i>{' · '.join(parts)}</i>" if parts else ""


def render_summary(summary: tuple[str, ...], sentences: int, ranks: tuple[int, ...] = ()) -> str:
    """The summary of `sentences` sentences; more than one is folded in an expandable
    blockquote, always (never some folded and some not: a list then looks uneven).

    With `ranks`, the sentences picked first (rank below `sentences`) are shown, in article
    order; without, the first `sentences`.
    """
    shown = summary_of_length(summary, ranks, sentences)
    chosen = [" ".join(s.split()) for s in shown if s.strip()]
    if not chosen:
        return ""
    body = escape(" ".join(chosen))
    if len(chosen) > 1:
        return f"<blockquote expandable>{body}</blockquote>"
    return body


def best_line(story: StoryView, limit: int) -> str:
    """The story's best summary sentence (the first pick), cut at a word boundary to `limit`
    characters: the one line a compact digest shows (plain text, not escaped)."""
    best = summary_of_length(story.summary, story.summary_ranks, 1)
    text = " ".join(" ".join(best).split())
    return shorten(text, limit) if limit > 0 and text else ""


def render_tags(story: StoryView) -> str:
    """The story's hashtags (`story_tags`) on one line."""
    return escape(" ".join(story_tags(story.categories, story.keywords)))


def render_story(
    story: StoryView, *, sentences: int, now: datetime, tz: tzinfo, following: str = ""
) -> str:
    """One story: linked title, source and time, summary, tags."""
    lines = [
        render_title(story),
        render_meta(story, now, tz, following),
        render_summary(story.summary, sentences, story.summary_ranks),
        render_tags(story),
    ]
    return "\n".join(line for line in lines if line)


def render_story_list(
    header: str,
    stories: list[StoryView],
    *,
    sentences: int,
    now: datetime,
    tz: tzinfo,
    start: int = 1,
    footer: str = "",
) -> list[str]:
    """A header (HTML), numbered stories and an optional footer, split into messages."""
    blocks = [header] if header else []
    for number, story in enumerate(stories, start):
        body = render_story(story, sentences=sentences, now=now, tz=tz)
        blocks.append(f"{number}. {body}")
    if footer:
        blocks.append(footer)
    return split_messages(blocks)


def split_messages(blocks: list[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Join blocks with blank lines into messages of at most `limit` visible characters."""
    messages: list[str] = []
    current: list[str] = []
    size = 0
    for block in blocks:
        if visible_length(block) > limit:
            block = truncate_html(block, limit)
        length = visible_length(block)
        if current and size + 2 + length > limit:
            messages.append("\n\n".join(current))
            current, size = [], 0
        size += length + (2 if current else 0)
        current.append(block)
    if current:
        messages.append("\n\n".join(current))
    return messages


def truncate_html(markup: str, limit: int) -> str:
    """Cut Telegram HTML to `limit` visible characters, at a sentence if possible, tags closed."""
    budget = limit - 2  # room for " …"
    out: list[str] = []
    open_tags: list[str] = []
    pos = 0
    for match in _TAG_RE.finditer(markup + "<end>"):
        text = html.unescape(markup[pos : match.start()])
        if utf16_length(text) > budget:
            out.append(escape(_cut_text(text, budget)))
            break
        budget -= utf16_length(text)
        out.append(escape(text))
        closing, name, _ = match.groups()
        if name == "end" and match.end() > len(markup):
            break
        out.append(match.group(0))
        if closing and open_tags and open_tags[-1] == name:
            open_tags.pop()
        elif not closing:
            open_tags.append(name)
        pos = match.end()
    out.extend(f"</{name}>" for name in reversed(open_tags))
    return "".join(out)


def _cut_text(text: str, budget: int) -> str:
    """The longest prefix within `budget` UTF-16 units, cut after a sentence or word, with `…`."""
    cut = text.encode("utf-16-le")[: budget * 2].decode("utf-16-le", errors="ignore")
    ends = [m.end() for m in _SENTENCE_END_RE.finditer(cut)]
    if ends and ends[-1] > len(cut) // 2:
        return cut[: ends[-1]].rstrip() + " …"
    space = cut.rfind(" ")
    return (cut[:space].rstrip() if space > len(cut) // 2 else cut) + "…"
