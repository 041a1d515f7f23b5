"""Telegram HTML rendering: stories, lists, digests and splitting under the length limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.render import (
    MESSAGE_LIMIT,
    StoryView,
    escape,
    format_time,
    format_time_zoned,
    hashtag,
    render_story,
    render_story_list,
    render_summary,
    split_messages,
    story_tags,
    truncate_html,
    utf16_length,
    visible_length,
    zone_label,
)
from tests.support.tg_html import utf16_len, validate_telegram_html

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


def _story(**kw: object) -> StoryView:
    values: dict[str, object] = {
        "id": 1,
        "title": "Syria talks resume",
        "url": "https://news.example/a?x=1&y=2",
        "sources": ("World News",),
        "published": NOW - timedelta(minutes=30),
        "summary": ("Delegates met in Geneva.", "Talks resume next week."),
        "keywords": ("Bashar al-Assad", "Syria", "2024"),
    }
    values.update(kw)
    return StoryView(**values)  # type: ignore[arg-type]


def test_story_has_link_source_time_summary_and_tags() -> None:
    html = render_story(_story(), sentences=3, now=NOW, tz=BERLIN)
    assert html == (
        '<b><a href="https://news.example/a?x=1&amp;y=2">Syria talks resume</a></b>\n'
        "<i>World News · 10:00 CET</i>\n"
        "<blockquote expandable>Delegates met in Geneva. Talks resume next week.</blockquote>\n"
        "#Bashar_al_Assad #Syria"
    )
    validate_telegram_html(html)


def test_summary_length_follows_setting_and_folding_is_by_sentences_not_length() -> None:
    short = render_story(_story(), sentences=1, now=NOW, tz=UTC)
    assert "Talks resume" not in short
    assert "<blockquote" not in short  # one sentence: shown as it is
    assert "Geneva" not in render_story(_story(), sentences=0, now=NOW, tz=UTC)
    long = render_story(_story(summary=("Word " * 80,)), sentences=3, now=NOW, tz=UTC)
    assert "<blockquote" not in long  # one long sentence is still one line of thought
    two_short = render_summary(("A.", "B."), 2)
    assert two_short == "<blockquote expandable>A. B.</blockquote>"  # two: always folded
    validate_telegram_html(long)


def test_a_topic_push_says_which_topic_brought_it() -> None:
    html = render_story(_story(), sentences=1, now=NOW, tz=UTC, following='syria "peace"')
    assert "<i>World News · 09:00 UTC · Following: syria &quot;peace&quot;</i>" in html


def test_times_name_their_zone() -> None:
    assert zone_label(NOW, BERLIN) == "CET"
    assert zone_label(datetime(2026, 7, 1, tzinfo=UTC), BERLIN) == "CEST"  # summer time
    assert zone_label(NOW, ZoneInfo("Asia/Kolkata")) == "IST"
    assert zone_label(NOW, ZoneInfo("Asia/Dubai")) == "UTC+4"  # tzdata says only "+04"
    assert zone_label(NOW, ZoneInfo("Etc/GMT+5")) == "UTC-5"
    assert zone_label(NOW, ZoneInfo("Asia/Kathmandu")) == "UTC+5:45"
    assert format_time_zoned(NOW, NOW, BERLIN) == "10:30 CET"
    assert format_time_zoned(NOW - timedelta(days=400), NOW, BERLIN) == "21 Oct 2025"


def test_escaping_and_unsafe_urls() -> None:
    html = render_story(
        _story(title='<script> & "co"', url="javascript:alert(1)", also_in=("A&B",)),
        sentences=1,
        now=NOW,
        tz=UTC,
    )
    assert html.startswith("<b>&lt;script&gt; &amp; &quot;co&quot;</b>")
    assert "also in A&amp;B" in html
    assert validate_telegram_html(html).startswith('<script> & "co"')
    assert escape("a<b>&c") == "a&lt;b&gt;&amp;c"


def test_time_and_hashtags() -> None:
    assert format_time(NOW - timedelta(days=1), NOW, UTC) == "24 Nov 09:30"
    assert format_time(NOW - timedelta(days=400), NOW, UTC) == "21 Oct 2025"
    assert hashtag("São Paulo") == "#São_Paulo"
    assert hashtag("1999") == ""
    assert hashtag("!!!") == ""


def test_tags_come_from_the_feed_s_categories_first_at_most_three() -> None:
    story = _story(
        categories=("Middle East", "world"),
        keywords=("Bashar al-Assad", "Syria", "Iran"),
    )
    html = render_story(story, sentences=1, now=NOW, tz=UTC)
    assert html.endswith("\n#Middle_East #World #Bashar_al_Assad")
    validate_telegram_html(html)
    # A keyword that repeats a category in other case is the same tag; the next one fills in.
    assert story_tags(("Syria",), ("syria", "Bashar al-Assad", "Iran")) == (
        "#Syria",
        "#Bashar_al_Assad",
        "#Iran",
    )
    assert story_tags((), ("Iran",)) == ("#Iran",)
    assert story_tags(("2024", "!!!"), ()) == ()


def test_every_tag_starts_with_a_capital_and_names_keep_their_case() -> None:
    assert hashtag("central bank") == "#Central_bank"
    assert hashtag("Central bank") == "#Central_bank"
    assert hashtag("WORLD NEWS") == "#World_News"
    assert hashtag("NATO") == "#NATO"
    assert hashtag("iPhone") == "#iPhone"
    assert hashtag("Crime & Justice") == "#Crime_Justice"
    assert hashtag("東京") == "#東京"


def test_visible_length_counts_utf16_after_entities() -> None:
    assert visible_length("<b>a&amp;b</b> 😀") == 6
    assert utf16_length("😀") == 2


def test_split_at_story_boundaries() -> None:
    blocks = [render_story(_story(summary=("x " * 500,)), sentences=1, now=NOW, tz=UTC)]
    blocks *= 12
    messages = split_messages(blocks)
    assert len(messages) > 1
    assert sum(m.count("<b><a href") for m in messages) == 12
    for message in messages:
        assert utf16_len(validate_telegram_html(message)) <= MESSAGE_LIMIT


def test_one_overlong_story_is_cut_at_a_sentence_with_balanced_tags() -> None:
    summary = tuple(f"Sentence number {i} is here." for i in range(400))
    html = render_story(_story(summary=summary), sentences=5, now=NOW, tz=UTC)
    huge = render_story(_story(summary=(" ".join(summary),)), sentences=1, now=NOW, tz=UTC)
    assert visible_length(huge) > MESSAGE_LIMIT
    [message] = split_messages([huge])
    text = validate_telegram_html(message)
    assert utf16_len(text) <= MESSAGE_LIMIT
    assert message.endswith(" is here. …")  # cut after a sentence
    assert visible_length(html) < MESSAGE_LIMIT
    cut = truncate_html("<b>a &amp; b <i>cdef ghij</i></b> tail", 9)
    assert cut == "<b>a &amp; b <i>c…</i></b>"
    validate_telegram_html(cut)


def test_list_and_digest() -> None:
    stories = [_story(id=i, title=f"Story {i}") for i in range(1, 4)]
    [message] = render_story_list("<b>Latest</b>", stories, sentences=1, now=NOW, tz=UTC)
    assert message.startswith("<b>Latest</b>\n\n1. <b><a")
    assert "3. <b><a" in message


_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=6000)
_chunks = st.lists(
    st.one_of(_text, st.sampled_from(["<", "&", "&amp;", "<b>", "😀" * 50, "\u200d", "> <"])),
    max_size=5,
).map("".join)


@settings(max_examples=150, deadline=None)
@given(
    title=_chunks,
    summary=st.lists(_chunks, max_size=6),
    keywords=st.lists(_chunks, max_size=6),
    url=st.one_of(_chunks, st.just("https://example.com/x?a=<b>&c")),
    count=st.integers(1, 30),
)
def test_any_story_renders_to_valid_messages(
    title: str, summary: list[str], keywords: list[str], url: str, count: int
) -> None:
    story = _story(title=title, summary=tuple(summary), keywords=tuple(keywords), url=url)
    messages = render_story_list("<b>Latest</b>", [story] * count, sentences=5, now=NOW, tz=BERLIN)
    assert messages
    for message in messages:
        assert utf16_len(validate_telegram_html(message)) <= MESSAGE_LIMIT


def test_summary_length_follows_pick_ranks_not_position() -> None:
    summary = ("Lead sentence.", "Middle sentence.", "Key finding.")
    ranks = (1, 2, 0)  # "Key finding." was picked first
    assert render_summary(summary, 1, ranks) == "Key finding."
    folded = "<blockquote expandable>Lead sentence. Key finding.</blockquote>"
    assert render_summary(summary, 2, ranks) == folded
    three = "Lead sentence. Middle sentence. Key finding."
    assert render_summary(summary, 3, ranks) == f"<blockquote expandable>{three}</blockquote>"
    assert render_summary(summary, 0, ranks) == ""
    assert render_summary(summary, 1) == "Lead sentence."  # no ranks: the first sentences
