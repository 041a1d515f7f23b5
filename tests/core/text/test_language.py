"""Tests for language detection and the sumy language mapping."""

from bot.core.text.language import detect_language, normalise_language, sumy_language
from bot.core.text.summarise import summarise
from tests.support.paths import TEST_DATA

DATA = TEST_DATA


def test_detects_english_and_german() -> None:
    assert detect_language((DATA / "story-climate.txt").read_text()) == "en"
    assert detect_language((DATA / "story-german.txt").read_text()) == "de"


def test_short_text_gets_default() -> None:
    assert detect_language("Hi", default="fr") == "fr"


def test_sumy_mapping() -> None:
    assert sumy_language("de") == "german"
    assert sumy_language("en-GB") == "english"
    assert sumy_language("english") == "english"
    assert sumy_language("nl") is None
    assert normalise_language("pt_BR") == "pt"


def test_language_sumy_lacks_gets_lead_sentences() -> None:
    text = (DATA / "story-dutch.txt").read_text()
    summary = summarise(text, sentences=2)
    assert summary.language == "nl"
    assert summary.method == "lead"
    assert summary.sentences == (
        "De regering heeft op dinsdag een nieuwe wet over het klimaat aangenomen.",
        "De wet moet de uitstoot tegen 2030 halveren.",
    )


def test_german_story_is_summarised_with_german_tools() -> None:
    summary = summarise((DATA / "story-german.txt").read_text(), sentences=2)
    assert summary.language == "de"
    assert summary.method != "lead"
    assert len(summary.sentences) == 2
    assert "Dr. Müller" not in summary.sentences  # no split after "Dr."
