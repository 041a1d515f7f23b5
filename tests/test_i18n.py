"""The catalogues against `bot.texts`: every shipped language complete, each translation with
the English placeholders and HTML tags; the template up to date; the language rules."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from bot import texts
from bot.i18n import (
    ENGLISH,
    LANGUAGES,
    LOCALES_DIR,
    Msg,
    Plural,
    current_language,
    format_date_like,
    language_of,
    menu_code,
    placeholders,
    use_language,
)
from bot.tg.language import chat_language

TRANSLATED = [code for code in LANGUAGES if code != ENGLISH]
_TAG = re.compile(r"</?(?:a|b|i|u|s|code|pre|blockquote)\b")  # Telegram HTML tags


def _walk(value: object) -> list[Msg | Plural]:
    if isinstance(value, Msg | Plural):
        return [value]
    if isinstance(value, dict):
        return [m for v in value.values() for m in _walk(v)]
    if isinstance(value, tuple):
        return [m for v in value for m in _walk(v)]
    return []


def text_ids() -> set[str]:
    """The msgid (singular) of every text in `bot.texts`, commands and dicts included."""
    found = [m for name in dir(texts) if name.isupper() for m in _walk(getattr(texts, name))]
    return {m.msgid if isinstance(m, Msg) else m.singular for m in found}


def catalog(language: str) -> Catalog:
    path = LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po:
        return read_po(po, locale=language)


def _entries(cat: Catalog) -> list[Message]:
    return [m for m in cat if m.id]


def _singular(message: Message) -> str:
    return str(message.id[0] if isinstance(message.id, tuple) else message.id)


def test_the_template_holds_exactly_the_texts_of_bot_texts() -> None:
    """`bot/locales/messages.pot` is made by the extraction command in the README; a text
    added to bot/texts.py without extracting again fails here."""
    with (LOCALES_DIR / "messages.pot").open("rb") as pot:
        template = {_singular(m) for m in _entries(read_po(pot))}
    assert template == text_ids()


def test_every_language_has_a_catalogue_and_a_name() -> None:
    assert set(TRANSLATED) == {p.name for p in LOCALES_DIR.iterdir() if p.is_dir()}
    assert len(TRANSLATED) >= 9


@pytest.mark.parametrize("language", TRANSLATED)
def test_each_catalogue_translates_every_text_keeping_placeholders_and_tags(
    language: str,
) -> None:
    cat = catalog(language)
    wanted = text_ids()
    entries = {_singular(m): m for m in _entries(cat)}
    assert sorted(wanted - set(entries)) == [], f"{language}: messages missing"
    problems = []
    for msgid, message in entries.items():
        if msgid not in wanted:
            problems.append(f"obsolete: {msgid!r}")
            continue
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(forms):
            problems.append(f"untranslated: {msgid!r}")
            continue
        if isinstance(message.id, tuple) and len(forms) != cat.num_plurals:
            problems.append(f"{len(forms)} plural forms, not {cat.num_plurals}: {msgid!r}")
        for form in forms:
            if placeholders(form) != placeholders(msgid):
                problems.append(f"placeholders {placeholders(form)} in {form!r}")
            if sorted(_TAG.findall(form)) != sorted(_TAG.findall(msgid)):
                problems.append(f"HTML tags differ in {form!r}")
            if form.startswith("\n") != msgid.startswith("\n") or (
                form.startswith(" ") != msgid.startswith(" ")
            ):
                problems.append(f"leading space differs in {form!r}")
    assert problems == [], language


@pytest.mark.parametrize("language", TRANSLATED)
def test_a_language_changes_texts_only_within_use_language(language: str) -> None:
    english = str(texts.UNKNOWN_COMMAND)
    with use_language(language):
        assert current_language() == language
        assert str(texts.UNKNOWN_COMMAND) != english
        assert "/help" in str(texts.UNKNOWN_COMMAND)
    assert str(texts.UNKNOWN_COMMAND) == english


def test_plural_forms_follow_each_language_rule() -> None:
    assert texts.stories_count(1) == "1 story"
    assert texts.stories_count(5) == "5 stories"
    with use_language("ru"):
        one, few, many = (texts.stories_count(n) for n in (1, 3, 5))
        assert len({one, few, many}) == 3  # история, истории, историй
        assert texts.stories_count(21) == one.replace("1", "21", 1)
    with use_language("zh_Hans"):
        assert texts.stories_count(1).replace("1", "2") == texts.stories_count(2)


def test_an_unknown_language_means_english() -> None:
    with use_language("xx"):
        assert current_language() == ENGLISH
        assert str(texts.DONE) == "Done."


@pytest.mark.parametrize(
    ("tag", "language"),
    [
        ("de", "de"),
        ("de-AT", "de"),
        ("pt-br", "pt_BR"),
        ("pt", "pt_BR"),
        ("zh-hans", "zh_Hans"),
        ("uk", "uk"),
        ("en-GB", "en"),
        ("nl", None),
        ("", None),
        (None, None),
    ],
)
def test_a_telegram_language_code_maps_to_a_shipped_language(
    tag: str | None, language: str | None
) -> None:
    assert language_of(tag) == language


def test_a_chat_language_is_its_choice_else_its_users_in_private_else_the_default() -> None:
    assert chat_language("fr", "de", private=True, default="en") == "fr"
    assert chat_language("", "de", private=True, default="en") == "de"
    assert chat_language("", "de", private=False, default="es") == "es"
    assert chat_language("", "nl", private=True, default="it") == "it"
    assert chat_language("", None, private=True, default="en") == "en"


def test_menus_use_two_letter_codes() -> None:
    assert {menu_code(code) for code in LANGUAGES} == {
        "en", "de", "es", "fr", "it", "pt", "ru", "uk", "tr", "zh"
    }  # fmt: skip


def test_dates_are_written_as_each_language_writes_them() -> None:
    day = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    with use_language("de"):
        assert format_date_like(day, "MMMMEd") == "Di., 1. Dezember"
    with use_language("fr"):
        assert format_date_like(day, "MMMMEd") == "mar. 1 décembre"
    with use_language("zh_Hans"):
        assert format_date_like(day, "MMMMEd") == "12月1日周二"


def test_placeholders_are_the_format_fields() -> None:
    assert placeholders("Hi {name}, {count:,} of {{literal}}") == {"name", "count"}


def test_no_catalogue_file_is_left_compiled_in_the_repository() -> None:
    """Catalogues compile in memory when loaded; a stale .mo would not be read anyway."""
    assert list(Path(LOCALES_DIR).rglob("*.mo")) == []
