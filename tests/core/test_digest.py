"""Digest messages: grouped, numbered, capped and under Telegram's limit."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.core.digest import DigestEntry, compose_chat, compose_digest
from bot.core.render import StoryView, visible_length

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


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
