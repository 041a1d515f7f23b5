"""Tests for keyword extraction."""

from bot.core.render import hashtag
from bot.core.text.keywords import extract_keywords, join_keywords, split_keywords
from tests.support.paths import TEST_DATA

DATA = TEST_DATA


def test_names_and_frequent_terms() -> None:
    text = (DATA / "story-climate.txt").read_text()
    title, _, body = text.partition("\n")
    keywords = extract_keywords(body, title=title)
    assert 1 <= len(keywords) <= 5
    assert "storm" in [k.lower() for k in keywords]
    assert any("Lopez" in k for k in keywords)


def test_multiword_names_and_limit() -> None:
    text = (
        "Bashar al-Assad met Abbas Araqchi in Damascus. Leaders in Iran backed Bashar al-Assad. "
        "Officials in Turkey backed the rebels, and Iran and Turkey talked."
    )
    keywords = extract_keywords(text, limit=3)
    assert len(keywords) == 3
    assert "Bashar al-Assad" in keywords
    assert "Iran" in keywords


def test_empty_text() -> None:
    assert extract_keywords("") == ()


def test_hashtags_are_the_chat_s_in_every_output() -> None:
    """One rule: `digest-bot summarize` prints the tags the chat shows."""
    assert hashtag("Bashar al-Assad") == "#Bashar_al_Assad"
    assert hashtag("U.S.") == "#U_S"


def test_keywords_are_stored_comma_separated_and_read_back() -> None:
    stored = join_keywords(["Bashar al-Assad", " Iran ", "", "Paris, Texas"])
    assert stored == "Bashar al-Assad,Iran,Paris  Texas"
    assert split_keywords(stored) == ("Bashar al-Assad", "Iran", "Paris  Texas")
    assert split_keywords("") == ()


def test_a_name_opening_a_sentence_keeps_its_capital() -> None:
    text = (
        "Fidan met the envoy. Later the envoy praised Fidan for the talks. "
        "Fidan said the talks went well. Talks with Fidan will go on."
    )
    assert extract_keywords(text, limit=2)[0] == "Fidan"
