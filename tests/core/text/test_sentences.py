"""Tests for the offline sentence tokenizer."""

import pytest

from bot.core.text.sentences import SentenceTokenizer

EN = SentenceTokenizer("english")


def test_abbreviations_and_decimals_do_not_split() -> None:
    text = "The U.S. economy grew 3.5% in May. Dr. Smith arrived at 9 a.m. on Monday. He left."
    assert EN.to_sentences(text) == (
        "The U.S. economy grew 3.5% in May.",
        "Dr. Smith arrived at 9 a.m. on Monday.",
        "He left.",
    )


def test_quotes_stay_balanced() -> None:
    text = '"I will go. You stay," she said. He said: "It is over. We lost." The crowd cheered.'
    assert EN.to_sentences(text) == (
        '"I will go. You stay," she said.',
        'He said: "It is over. We lost."',
        "The crowd cheered.",
    )


def test_curly_quotes_stay_balanced() -> None:
    text = "“The meeting was tense. Iran was unhappy,” an official said. Talks went on."
    sentences = EN.to_sentences(text)
    assert sentences[0] == "“The meeting was tense. Iran was unhappy,” an official said."
    assert all(s.count("“") == s.count("”") for s in sentences)


def test_headline_without_full_stop_is_its_own_sentence() -> None:
    text = "Storm hits the coast\nThe storm arrived on Tuesday. Schools closed."
    assert EN.to_sentences(text)[0] == "Storm hits the coast"


def test_glued_sentences_are_split() -> None:
    assert EN.to_sentences("The union posted on social media.The strike began.") == (
        "The union posted on social media.",
        "The strike began.",
    )


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        (
            "french",
            'Le budget sera "équilibré".Par ailleurs, le ministre a parlé.',
            ('Le budget sera "équilibré".', "Par ailleurs, le ministre a parlé."),
        ),
        (
            "french",
            "Il a dit « non ».Puis il est parti.",
            ("Il a dit « non ».", "Puis il est parti."),
        ),
        (
            "english",
            'The union said it would "fight on."The strike began.',
            ('The union said it would "fight on."', "The strike began."),
        ),
        (
            "french",
            'Le médecin parle à la capitale indienne."Nous espérons le meilleur", dit-il.',
            ("Le médecin parle à la capitale indienne.", '"Nous espérons le meilleur", dit-il.'),
        ),
        (
            "french",
            'Il a dit "non merci."Puis il est parti."Au revoir", a-t-il lancé.',
            ('Il a dit "non merci."', "Puis il est parti.", '"Au revoir", a-t-il lancé.'),
        ),
        (
            "french",
            "Elle a tenté de calmer le jeu.S'il faut continuer, elle veut discuter.",
            ("Elle a tenté de calmer le jeu.", "S'il faut continuer, elle veut discuter."),
        ),
        (
            "french",
            "Il s'est confié à RTL.Mischa Aznavour parle d'un projet.",
            ("Il s'est confié à RTL.", "Mischa Aznavour parle d'un projet."),
        ),
        (
            "english",
            "She played the sister in the film.A report quoted the director.",
            ("She played the sister in the film.", "A report quoted the director."),
        ),
        (
            "french",
            "Il est au pouvoir depuis 2018.A l'issue du vote, il est parti.",
            ("Il est au pouvoir depuis 2018.", "A l'issue du vote, il est parti."),
        ),
        (
            "russian",
            "Он пришёл домой.Потом он ушёл.",
            ("Он пришёл домой.", "Потом он ушёл."),
        ),
        (
            "spanish",
            "El gobierno habló (en Madrid).Después votó.",
            ("El gobierno habló (en Madrid).", "Después votó."),
        ),
    ],
)
def test_a_stop_glued_to_a_closing_quote_or_bracket_ends_the_sentence(
    language: str, text: str, expected: tuple[str, ...]
) -> None:
    assert SentenceTokenizer(language).to_sentences(text) == expected


def test_initials_and_dotted_names_stay_whole() -> None:
    assert EN.to_sentences("U.S.Army officials met. It was 3.5 per cent.") == (
        "U.S.Army officials met.",
        "It was 3.5 per cent.",
    )


def test_wrapped_lines_are_joined() -> None:
    assert EN.to_sentences("The minister said the plan\nwould start next year.") == (
        "The minister said the plan would start next year.",
    )


def test_german_and_french() -> None:
    de = SentenceTokenizer("german").to_sentences(
        "Er sagte: „Das ist gut. Wirklich.“ Dann ging er. Am 3. Oktober ist Feiertag."
    )
    assert de == (
        "Er sagte: „Das ist gut. Wirklich.“",
        "Dann ging er.",
        "Am 3. Oktober ist Feiertag.",
    )
    fr = SentenceTokenizer("french").to_sentences(
        "M. Dupont est arrivé. « Je suis là. Vraiment », dit-il."
    )
    assert fr == ("M. Dupont est arrivé.", "« Je suis là. Vraiment », dit-il.")


def test_words_are_letters_only() -> None:
    assert EN.to_words("It's a U.S.-backed plan, up 3.5%; Jean-Luc agreed.") == (
        "It's",
        "a",
        "U",
        "S",
        "backed",
        "plan",
        "up",
        "Jean-Luc",
        "agreed",
    )


def test_language_without_punkt_model_still_splits() -> None:
    assert len(SentenceTokenizer("hebrew").to_sentences("One two three. Four five six.")) == 2


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("german", "Die Preise in Bayern bzw. Sachsen stiegen. Dann fielen sie."),
        ("german", "Es gibt viele Städte, z. B. Berlin und Hamburg. Dann fielen sie."),
        ("german", "Das betrifft Nr. 5 und Dr. Müller. Dann ging er."),
        ("french", "Il a vu M. Macron et Mme Borne hier. Puis il est parti."),
        ("spanish", "Llegó el Dr. Pérez con la Sra. Gómez. Luego se fue."),
        ("italian", "È arrivato il dott. Bianchi con il prof. Verdi. Poi è andato via."),
        ("portuguese", "Chegou o Sr. Costa e a Dra. Lima. Depois saiu."),
        ("russian", "Он живёт в г. Москва, т. е. в столице. Потом ушёл."),
    ],
)
def test_abbreviations_before_a_capital_do_not_end_the_sentence(language: str, text: str) -> None:
    cut = text.rindex(". ") + 1  # the only real sentence end is the last full stop but one
    assert SentenceTokenizer(language).to_sentences(text) == (text[:cut], text[cut + 1 :])
