"""Digest and push messages: ranked, grouped, compact on a phone, and under Telegram's limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.digest import DigestEntry, Outgoing, compose_chat, compose_digest, compose_full
from bot.core.render import StoryView, visible_length
from tests.support.phone import phone_screens
from tests.support.tg_html import utf16_len, validate_telegram_html

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 1, 19, 10, tzinfo=UTC)  # a Tuesday, 20:10 in Berlin

# Eight stories of three feeds, written for this test; the first is also carried by the
# Courier (a near-duplicate merged into it), so it is the most covered.
EIGHT = [
    (
        "Wire World",
        "Ceasefire talks for the north resume in Geneva under UN watch",
        "Envoys of both sides met in Geneva on Tuesday for the first time in a year.",
        ("The Daily Courier",),
    ),
    (
        "Wire World",
        "Strong earthquake strikes off the coast; no tsunami warning",
        "A magnitude 6.8 earthquake struck off the coast early on Wednesday, the seismological "
        "centre said, and buildings swayed in two port cities.",
        (),
    ),
    (
        "Wire World",
        "Grain corridor talks restart with joint inspections at sea",
        "Negotiators from four countries met to revive a deal that lets grain ships leave port "
        "without fear of attack.",
        (),
    ),
    (
        "The Daily Courier",
        "Rail workers call off weekend strike after a better pay offer",
        "The union called off the strike after the operator offered 6 percent over two years.",
        (),
    ),
    (
        "The Daily Courier",
        "Central bank holds rates and signals a cut in the spring",
        "The central bank kept its main rate at 3.75 percent but said it could begin cutting "
        "borrowing costs in the spring if inflation keeps easing.",
        (),
    ),
    (
        "Tech Ledger",
        "Parliament passes a right to explanation for automated decisions",
        "People refused a loan, a job or a benefit by an automated system may now ask why.",
        (),
    ),
    (
        "Tech Ledger",
        "Cloud outage takes down banking & airline apps for three hours",
        "A faulty configuration change in one data centre spread to others across Europe.",
        (),
    ),
    (
        "Tech Ledger",
        "Chipmaker unveils a 2-nanometre processor for phones",
        "The company promised phones that use a third less power for the same tasks, with mass "
        "production from the spring.",
        (),
    ),
]


def _view(i: int, feed: str, title: str, summary: str, also: tuple[str, ...]) -> StoryView:
    second = "A second sentence adds the detail a reader may want once they tap."
    return StoryView(
        id=i,
        title=title,
        url=f"https://news.example/{i}",
        sources=(feed,),
        published=NOW - timedelta(minutes=10 * i),
        summary=(summary, second, "A third sentence closes the story."),
        summary_ranks=(0, 1, 2),
        keywords=("Geneva",),
        also_in=also,
    )


def _eight() -> list[DigestEntry]:
    return [
        DigestEntry(_view(i, feed, title, summary, also), feed)
        for i, (feed, title, summary, also) in enumerate(EIGHT, 1)
    ]


def _entry(i: int, group: str, summary: str = "Short.", *, topic: bool = False) -> DigestEntry:
    story = StoryView(
        id=i,
        title=f"Story {i}",
        url=f"https://example.org/{i}",
        sources=(group,),
        summary=(summary,),
        published=NOW - timedelta(minutes=i),
    )
    return DigestEntry(story, group, topic=topic)


def test_a_digest_of_eight_stories_fits_one_message_and_a_phone_screen_and_a_half() -> None:
    [(text, ids)] = compose_digest(_eight(), max_stories=20, now=NOW, tz=BERLIN)
    plain = validate_telegram_html(text)
    assert sorted(ids) == list(range(1, 9))
    assert plain.startswith("Tuesday 1 December · 8 stories\n\nWire World\n1. Ceasefire talks")
    assert "1. Ceasefire talks for the north resume in Geneva under UN watch\nThe Daily " in plain
    assert phone_screens(text) <= 1.5, phone_screens(text)
    assert utf16_len(plain) < 1400  # the review's digest of the same shape: 3,752
    assert "#" not in plain  # tags belong to pushes and the full view, not the list
    assert "<blockquote" not in text  # nothing folded: every story looks the same
    for story in EIGHT:
        assert story[1].replace("&", "&") in plain  # every title, whole
    full = compose_full(_eight(), max_stories=20, sentences=3, now=NOW, tz=BERLIN)
    assert len(full) == 1
    assert full[0].count("<blockquote expandable>") == 8  # the same folding for every story
    assert "A second sentence" in full[0]


def test_the_most_covered_story_comes_first_then_the_newest() -> None:
    entries = [_entry(i, "Feed A") for i in (1, 2)] + [_entry(3, "Feed B")]
    covered = StoryView(
        3,
        "Story 3",
        "https://example.org/3",
        sources=("Feed B",),
        also_in=("Feed A", "Feed C", "Feed D"),
        summary=("Big.",),
        published=NOW - timedelta(hours=5),
    )
    entries[2] = DigestEntry(covered, "Feed B")
    [(text, ids)] = compose_digest(entries, max_stories=20, now=NOW, tz=UTC)
    plain = validate_telegram_html(text)
    assert ids == [3, 1, 2]
    assert (
        plain.index("1. Story 3") < plain.index("Feed A\n2. Story 1") < plain.index("3. Story 2")
    )
    assert "Feed A, Feed C +1 · Big." in plain  # the other carriers, shortened


def test_topics_come_before_feeds_and_a_topic_names_the_source() -> None:
    entries = [_entry(1, "Wire"), _entry(2, "syria", topic=True)]
    [(text, _)] = compose_digest(entries, max_stories=20, now=NOW, tz=UTC)
    plain = validate_telegram_html(text)
    assert plain.index("syria\n1. Story 2\nsyria · Short.") < plain.index("Wire\n2. Story 1")


def test_digest_caps_stories_with_a_more_line_and_counts_hidden_as_delivered() -> None:
    entries = [_entry(i, "Feed") for i in range(1, 26)]
    messages = compose_digest(entries, max_stories=20, now=NOW, tz=UTC)
    assert len(messages) == 1
    assert "+5 more: /latest" in messages[-1][0]
    assert "· 25 stories" in messages[0][0]
    assert "20. " in messages[0][0]
    assert "21. " not in messages[0][0]
    assert sorted(i for _, ids in messages for i in ids) == list(range(1, 26))


def test_twenty_long_stories_still_fit_one_message() -> None:
    long = "A sentence that is quite long and says a lot of things. " * 12
    entries = [
        DigestEntry(
            StoryView(
                i,
                "A headline of a usual length, about seventy characters long " + str(i),
                f"https://example.org/{i}",
                sources=("Feed",),
                summary=(long,),
            ),
            "Feed",
        )
        for i in range(1, 21)
    ]
    [(text, ids)] = compose_digest(entries, max_stories=20, now=NOW, tz=UTC)
    assert ids == list(range(1, 21))
    assert utf16_len(validate_telegram_html(text)) <= 4096


def test_a_digest_of_forty_stories_pages_without_splitting_a_story() -> None:
    long = "A sentence that is quite long and says a lot of things. " * 12
    entries = [_entry(i, f"Feed {i % 3}", summary=long) for i in range(1, 41)]
    pages = compose_digest(entries, max_stories=40, now=NOW, tz=UTC, length=2)
    assert len(pages) > 1
    ids = [i for _, chunk in pages for i in chunk]
    assert sorted(ids) == list(range(1, 41))
    assert len(ids) == 40
    for n, (text, chunk) in enumerate(pages, 1):
        plain = validate_telegram_html(text)
        assert utf16_len(plain) <= 4096
        for story_id in chunk:  # each story whole in the message that carries it
            assert f"Story {story_id}\n" in plain
        if n > 1:
            assert plain.startswith(f"Tuesday 1 December · continued ({n}/{len(pages)})")
        assert "…" not in plain.replace("things. …", "")  # nothing was cut


def test_titles_only_and_full_lengths() -> None:
    [(titles, _)] = compose_digest(_eight(), max_stories=20, now=NOW, tz=UTC, length=0)
    assert "Envoys" not in titles
    assert "Ceasefire talks" in titles
    [(full, _)] = compose_digest(_eight(), max_stories=20, now=NOW, tz=UTC, length=2)
    assert full.count("<blockquote expandable>") == 8


def _push(entries: list[DigestEntry], **kw: object) -> list[str]:
    values: dict[str, object] = {
        "daily": False,
        "attempts": 0,
        "link_preview": False,
        "sentences": 3,
        "max_stories": 20,
        "now": NOW,
        "tz": BERLIN,
    }
    values.update(kw)
    delivery_of = {e.story.id: 100 + e.story.id for e in entries}
    out = compose_chat(7, entries, delivery_of, **values)  # type: ignore[arg-type]
    return [m.html for m in out]


def test_a_push_of_several_stories_has_a_header_and_the_same_folding_for_each() -> None:
    [message] = _push(_eight()[:3])
    plain = validate_telegram_html(message)
    assert plain.startswith("3 new stories\n\n1. Ceasefire talks")
    assert message.count("<blockquote expandable>") == 3
    assert "Wire World · 20:00 CET" in plain  # the time in the chat's zone, named


def test_a_topic_push_says_why_it_came_and_a_held_batch_says_so() -> None:
    entries = [_entry(1, "syria", "One. Two.", topic=True)]
    [message] = _push(entries)
    assert "Following: syria" in validate_telegram_html(message)
    [held] = _push([_entry(1, "Wire"), _entry(2, "Wire")], held=True)
    assert validate_telegram_html(held).startswith("2 stories from your quiet hours\n\n1. ")


def _one(*, daily: bool, **kw: object) -> Outgoing:
    values: dict[str, object] = {
        "attempts": 0,
        "link_preview": False,
        "sentences": 3,
        "max_stories": 20,
        "now": NOW,
        "tz": UTC,
    }
    values.update(kw)
    [message] = compose_chat(7, [_entry(1, "Wire")], {1: 9}, daily=daily, **values)  # type: ignore[arg-type]
    return message


def test_silent_applies_to_pushes_and_the_full_view_button_to_compact_digests() -> None:
    push = _one(daily=False, silent=True)
    assert push.silent
    assert not push.expandable
    digest = _one(daily=True, silent=True)
    assert digest.expandable
    assert not digest.silent  # a digest comes at a time the chat chose
    assert not _one(daily=True, digest_length=3).expandable  # already whole
    assert not _one(daily=True, full_view=False).expandable  # a group or channel
    headline = "A long headline that goes on and on about what happened, where and why " * 2
    many = [
        DigestEntry(StoryView(i, f"{headline}{i}", f"https://example.org/{i}"), "Feed")
        for i in range(1, 41)
    ]
    paged = compose_chat(
        7,
        many,
        {i: i for i in range(1, 41)},
        daily=True,
        attempts=0,
        link_preview=False,
        sentences=3,
        max_stories=40,
        now=NOW,
        tz=UTC,
        digest_length=1,
    )
    assert len(paged) > 1
    assert not any(m.expandable for m in paged)  # redrawn alone, a page would not add up


_words = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=400)


@settings(max_examples=100, deadline=None)
@given(
    stories=st.lists(
        st.tuples(
            _words,
            st.lists(_words, max_size=4),
            st.lists(st.sampled_from(["A & B", "<Feed>", "C", "😀" * 30]), max_size=3),
            st.booleans(),
        ),
        min_size=1,
        max_size=40,
    ),
    length=st.integers(0, 5),
)
def test_any_mix_of_stories_renders_a_digest_the_validator_accepts(
    stories: list[tuple[str, list[str], list[str], bool]], length: int
) -> None:
    entries = []
    for i, (title, summary, also, topic) in enumerate(stories, 1):
        view = StoryView(
            i,
            title,
            f"https://example.org/{i}",
            sources=("Feed",),
            summary=tuple(summary),
            also_in=tuple(also),
            published=NOW,
        )
        entries.append(DigestEntry(view, "q" if topic else "Feed", topic=topic))
    pages = compose_digest(entries, max_stories=40, now=NOW, tz=UTC, length=length)
    assert sorted(i for _, ids in pages for i in ids) == list(range(1, len(stories) + 1))
    for text, _ in pages:
        assert utf16_len(validate_telegram_html(text)) <= 4096
        assert visible_length(text) <= 4096
    if len(stories) <= 20 and length <= 1 and all(len(t) < 200 for t, *_ in stories):
        assert len(pages) == 1
