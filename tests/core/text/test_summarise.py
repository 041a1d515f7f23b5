"""Tests for the summariser."""

from dataclasses import replace

import pytest

from bot.core.text.extract import extract_article
from bot.core.text.summarise import (
    DEFAULT_WEIGHTS,
    MAX_SENTENCES,
    SentenceFeatures,
    pick_order,
    sentence_features,
    summarise,
)
from bot.core.text.summary_text import load_summary, store_summary
from tests.support.paths import TEST_DATA
from tests.support.seed import FURNITURE, seed_page_html

DATA = TEST_DATA
STORY = (DATA / "story-climate.txt").read_text()
TITLE, _, BODY = STORY.partition("\n")


def test_summary_in_article_order_without_title() -> None:
    summary = summarise(BODY, title=TITLE, sentences=3)
    assert len(summary.sentences) == 3
    assert summary.language == "en"
    positions = [BODY.index(s.split(" ")[0] + " " + s.split(" ")[1]) for s in summary.sentences]
    assert positions == sorted(positions)
    assert TITLE not in summary.sentences


def test_title_is_not_repeated_when_in_text() -> None:
    summary = summarise(STORY, title=TITLE, sentences=5)
    assert TITLE not in summary.sentences


def test_quotes_balanced_and_abbreviations_kept() -> None:
    summary = summarise(BODY, title=TITLE, sentences=5, max_chars=5000)
    for sentence in summary.sentences:
        assert sentence.count('"') % 2 == 0
        assert not sentence.endswith(("Dr.", "U.S.", "a.m."))


@pytest.mark.parametrize("count", [0, 1, 2, 5, 9])
def test_sentence_count(count: int) -> None:
    summary = summarise(BODY, title=TITLE, sentences=count, max_chars=5000)
    assert len(summary.sentences) == min(count, MAX_SENTENCES)


def test_character_cap() -> None:
    summary = summarise(BODY, title=TITLE, sentences=5, max_chars=200)
    assert 0 < len(summary.text) <= 200
    assert len(summarise(BODY, sentences=1, max_chars=40).text) <= 40


def test_deterministic_and_empty() -> None:
    assert summarise(BODY, TITLE) == summarise(BODY, TITLE)
    assert summarise("").sentences == ()


def test_seed_page_summary_names_the_story() -> None:
    article = extract_article(seed_page_html(), url="https://example.org/assad")
    text = " ".join(summarise(article.text, title=article.title).sentences)
    for name in ("Assad", "Iran", "Turkey"):
        assert name in text
    for line in FURNITURE:
        assert line not in text


def test_furniture_in_raw_text_never_reaches_summary() -> None:
    raw = BODY + "\n\n" + "\n\n".join(FURNITURE)
    summary = summarise(raw, title=TITLE, sentences=5, max_chars=5000)
    for line in FURNITURE:
        assert all(line not in s for s in summary.sentences)


@pytest.mark.parametrize("max_chars", [200, 600, 3000])
def test_one_stored_summary_serves_every_length(max_chars: int) -> None:
    text = (DATA / "story-climate.txt").read_text(encoding="utf-8")
    longest = summarise(text, sentences=5, max_chars=max_chars, language="en")
    stored = load_summary(store_summary(longest.sentences, longest.ranks))
    for n in range(6):
        expected = summarise(text, sentences=n, max_chars=max_chars, language="en").sentences
        assert longest.shorter(n) == expected
        assert tuple(s for s, rank in zip(*stored, strict=True) if rank < n) == expected


def test_plain_stored_lines_count_in_order() -> None:
    assert load_summary("First.\nSecond.\n") == (("First.", "Second."), (0, 1))


def test_wire_datelines_do_not_open_a_summary() -> None:
    text = (
        "GENEVA (Reuters) - Talks on the Syrian ceasefire resumed in Geneva on Monday after a"
        " week-long pause, diplomats said.\n\n"
        "The envoy said both delegations had agreed to discuss prisoner exchanges first."
    )
    summary = summarise(text, title="Syria talks resume", sentences=2)
    assert summary.sentences[0].startswith("Talks on the Syrian ceasefire resumed")
    assert "Reuters" not in summary.text


def test_quotation_marks_are_found_in_each_languages_style() -> None:
    plain = "The council approved the harbour plan on Monday after a long debate about costs."
    for quoted in (
        'The council said "we approved the harbour plan" on Monday after a debate about costs.',
        "The council said «we approved the harbour plan» on Monday after a debate about costs.",
        "The council said „we approved the harbour plan“ on Monday after a debate about costs.",
        "The council said ‘we approved the harbour plan’ on Monday after a debate about costs.",
    ):
        assert sentence_features([quoted, plain], "", "english").quoted == (True, False)
    apostrophes = sentence_features(["It's the council's plan, not the mayor's."], "", "english")
    assert apostrophes.quoted == (False,)


def test_a_quote_loses_to_a_sentence_alike_but_for_its_quotation_marks() -> None:
    """Four sentences as central as each other; the quoted one is passed over for the last."""
    features = SentenceFeatures(
        centrality=(1.0, 1.0, 1.0, 1.0, 1.0),
        title=(0.0,) * 5,
        stems=tuple(frozenset({f"word{i}"}) for i in range(5)),
        quoted=(False, False, False, True, False),
    )
    assert pick_order(features, 4, DEFAULT_WEIGHTS) == [0, 1, 2, 4]
    unquoted = replace(features, quoted=(False,) * 5)
    assert pick_order(unquoted, 4, DEFAULT_WEIGHTS) == [0, 1, 2, 3]  # by position alone
