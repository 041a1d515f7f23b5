"""Tests for language detection and the sumy language mapping."""

import pytest

from bot.core.text.language import (
    detect_language,
    normalise_language,
    stop_words_for,
    sumy_language,
)
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
    assert sumy_language("nl") == "dutch"
    assert sumy_language("ru") == "russian"
    assert sumy_language("el") == "greek"  # stemmed by the snowballstemmer package
    assert sumy_language("zh") is None  # no word boundaries: lead sentences
    assert normalise_language("pt_BR") == "pt"


def test_languages_without_sumy_stop_words_get_the_graph_method() -> None:
    """Dutch and Russian: sumy stems them but has no stop words; `stop-words` has."""
    dutch = summarise((DATA / "story-dutch.txt").read_text(), sentences=2)
    assert (dutch.language, dutch.method) == ("nl", "textrank+lead+mmr")
    assert len(dutch.sentences) == 2
    russian = summarise(
        "Президент провёл встречу с правительством в понедельник. На встрече обсуждали "
        "бюджет на следующий год и расходы на оборону. Министр финансов сообщил, что дефицит "
        "бюджета сократится. Депутаты выразили сомнения в прогнозах министерства. Экономисты "
        "считают, что рост цен на нефть поможет бюджету.",
        sentences=2,
    )
    assert (russian.language, russian.method) == ("ru", "textrank+lead+mmr")
    assert "и" in stop_words_for("russian")


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "Η κυβέρνηση παρουσίασε τη Δευτέρα ένα νέο σχέδιο για τη στέγαση των οικογενειών. "
            "Το σχέδιο στοχεύει στην ταχύτερη κατασκευή κατοικιών στις μεγάλες πόλεις. "
            "Η αντιπολίτευση χαρακτήρισε το σχέδιο ανεπαρκές και ζήτησε περισσότερα χρήματα. "
            "Οι κατασκευαστές είπαν ότι οι κατοικίες θα είναι έτοιμες σε δύο χρόνια.",
            "el",
        ),
        (
            "Rząd przedstawił w poniedziałek nowy plan budowy mieszkań dla młodych rodzin. "
            "Plan ma przyspieszyć budowę mieszkań w dużych miastach do końca przyszłego roku. "
            "Opozycja uznała plan za niewystarczający i zażądała większych pieniędzy na budowę. "
            "Firmy budowlane twierdzą, że pierwsze mieszkania będą gotowe za dwa lata.",
            "pl",
        ),
        (
            "Hükümet pazartesi günü genç aileler için yeni bir konut planı açıkladı. "
            "Plan büyük şehirlerde konut yapımını gelecek yılın sonuna kadar hızlandıracak. "
            "Muhalefet planı yetersiz buldu ve konutlar için daha fazla para istedi. "
            "İnşaat şirketleri ilk konutların iki yıl içinde hazır olacağını söyledi.",
            "tr",
        ),
    ],
)
def test_greek_polish_and_turkish_get_the_graph_method_with_snowball_stemmers(
    text: str, language: str
) -> None:
    summary = summarise(text, sentences=2)
    assert (summary.language, summary.method) == (language, "textrank+lead+mmr")
    assert len(summary.sentences) == 2
    assert stop_words_for(sumy_language(language) or "")  # stop words for each


@pytest.mark.parametrize(
    ("text", "language", "first"),
    [
        (
            "政府周一公布了新的住房计划。该计划旨在加快建设十万套住房！反对派认为计划不够？",
            "zh",
            ("政府周一公布了新的住房计划。",),
        ),
        (
            "政府は月曜日に新しい計画を発表した。計画は住宅の建設を加速させる。野党は批判した。",
            "ja",
            ("政府は月曜日に新しい計画を発表した。",),
        ),
    ],
)
def test_languages_without_word_boundaries_get_lead_sentences(
    text: str, language: str, first: tuple[str, ...]
) -> None:
    summary = summarise(text, sentences=1)
    assert (summary.language, summary.method, summary.sentences) == (language, "lead", first)


def test_german_story_is_summarised_with_german_tools() -> None:
    summary = summarise((DATA / "story-german.txt").read_text(), sentences=2)
    assert summary.language == "de"
    assert summary.method != "lead"
    assert len(summary.sentences) == 2
    assert "Dr. Müller" not in summary.sentences  # no split after "Dr."
