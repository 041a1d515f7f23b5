"""Tests for story extraction and furniture removal."""

import gzip
import json
from collections import Counter

import pytest

from bot.core.text.extract import (
    clean_story_text,
    extract_article,
    extract_text_article,
    is_furniture,
    strip_dateline,
)
from tests.support.seed import FURNITURE, SHARED, seed_page_html


def test_seed_page_has_story_without_furniture() -> None:
    article = extract_article(seed_page_html(), url="https://example.org/assad-iran-turkey")
    assert "Assad" in article.title
    assert "Hezbollah" in article.text
    for line in FURNITURE:
        assert line not in article.text
    assert "All rights reserved" not in article.text


def test_clean_story_text_drops_furniture_lines() -> None:
    text = (
        "Para one of the story.\nRelated: Something else\nRead more\nShare on Twitter\n"
        "By John Smith\nPara two of the story.\n© 2024 Outlet. All rights reserved."
    )
    assert clean_story_text(text) == "Para one of the story.\nPara two of the story."


def test_clean_story_text_keeps_story_sentences() -> None:
    text = "Related to the strike, the union said it would meet on Friday to plan its next steps."
    assert clean_story_text("Story starts here.\n" + text) == "Story starts here.\n" + text


def test_plain_text_headline_becomes_title() -> None:
    article = extract_text_article("Storm hits the coast\n\nThe storm arrived on Tuesday.")
    assert article.title == "Storm hits the coast"
    assert article.text == "The storm arrived on Tuesday."
    assert extract_text_article("Just one sentence here.").title == ""


def test_extraction_on_shared_pages_sample() -> None:
    folder = SHARED / "data" / "extraction"
    if not folder.is_dir():
        pytest.skip(f"shared extraction data not found at {folder}")
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    f1s = []
    for item_id in sorted(truth)[:8]:
        html = gzip.decompress((folder / "html" / f"{item_id}.html.gz").read_bytes())
        text = extract_article(html.decode("utf-8", "replace"), url=truth[item_id]["url"]).text
        pred, gold = Counter(text.split()), Counter(truth[item_id]["articleBody"].split())
        overlap = sum((pred & gold).values())
        p, r = overlap / max(1, sum(pred.values())), overlap / max(1, sum(gold.values()))
        f1s.append(2 * p * r / (p + r) if p + r else 0.0)
    assert sum(f1s) / len(f1s) >= 0.9


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("LONDON (Reuters) - Britain's economy grew.", "Britain's economy grew."),
        ("WASHINGTON, Nov 25 (Reuters) - The Senate voted.", "The Senate voted."),
        ("NEW YORK — Stocks fell on Monday.", "Stocks fell on Monday."),
        ("New Delhi, Aug 1 (PTI) The minister said.", "The minister said."),
        ("By Jane Roe Islamabad, Jul 31 (PTI) The party said.", "The party said."),
        ('PARIS (AFP) — "We will win," he said.', '"We will win," he said.'),
        ("(WIRED)Screens are rectangles.", "Screens are rectangles."),
        # not datelines: kept whole
        ("U.S. - China talks resumed.", "U.S. - China talks resumed."),
        ("NATO said it would act.", "NATO said it would act."),
        ("Officials told AP (AP) nothing.", "Officials told AP (AP) nothing."),
        ("The (AP) report was wrong.", "The (AP) report was wrong."),
    ],
)
def test_strip_dateline(sentence: str, expected: str) -> None:
    assert strip_dateline(sentence) == expected


@pytest.mark.parametrize(
    "line",
    [
        "Lesen Sie auch: Die Bahn streikt wieder",
        "Mehr zum Thema",
        "Lesezeit: 3 Minuten",
        "Lire aussi : Le gouvernement recule sur la réforme",
        "À lire également",
        "Temps de lecture : 2 min",
        "Abonnez-vous à notre newsletter",
        "Lee también: El Gobierno aprueba el plan",
        "Te puede interesar",
        "Tiempo de lectura: 4 minutos",
        "Leggi anche: Il governo approva",
        "Tempo di lettura: 2 minuti",
        "Tempo de leitura: 1 minuto",
        "Leia também: Governo anuncia plano",
        "Читайте также: В Москве открылся новый парк",
        "Время чтения: 3 минуты",
    ],
)
def test_furniture_in_other_languages_is_recognised(line: str) -> None:
    assert is_furniture(line)


@pytest.mark.parametrize(
    "line",
    [
        "Le gouvernement a partagé ses plans hier soir avec les syndicats.",
        "Die Bahn teilt mit, dass der Streik am Montag endet.",
        "Compartir es importante para la comunidad, dijo el alcalde en su discurso.",
        "Подробности переговоров не раскрываются, сообщил представитель министерства.",
        "O tempo de espera nos hospitais caiu para duas horas, segundo o ministério.",
    ],
)
def test_story_sentences_in_those_languages_are_kept(line: str) -> None:
    assert not is_furniture(line)
