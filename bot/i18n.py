"""Translations: the gettext catalogues in `bot/locales`, and the language of the chat at hand.

Every user-visible text in `bot.texts` is a `Msg` (or a `Plural`): its English wording is the
gettext msgid, and it is translated when it is shown, into the language made current with
`use_language` (the Telegram layer does so for each update and the sender for each chat, the
way aiogram's i18n middleware and Django's `translation.override` do). Without one, texts are
English. The catalogues are the `.po` files in the repository; Babel compiles each one in
memory the first time its language is used, so a fresh clone needs no build step.

Nothing here imports from `bot`.
"""

from __future__ import annotations

import functools
import gettext as gettext_module
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from pathlib import Path

from babel import Locale
from babel.dates import format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "messages"
ENGLISH = "en"

# The languages the bot speaks, each named in itself (as the /language buttons show them).
LANGUAGES: dict[str, str] = {
    "en": "English",
    "de": "Deutsch",
    "es": "Español",
    "fr": "Français",
    "it": "Italiano",
    "pt_BR": "Português (Brasil)",
    "ru": "Русский",
    "uk": "Українська",
    "tr": "Türkçe",
    "zh_Hans": "简体中文",
}

# Telegram's setMyCommands and a user's language_code know a language by its ISO 639-1 code;
# the one catalogue of each language serves every regional variant (pt-PT readers get the
# Brazilian text, zh-Hant readers the simplified one: closer to them than English).
_BY_PRIMARY: dict[str, str] = {code.split("_")[0]: code for code in LANGUAGES}

_current: ContextVar[str] = ContextVar("language", default=ENGLISH)
_PLACEHOLDER = re.compile(r"\{(\w*)[^{}]*\}")


def language_of(tag: str | None) -> str | None:
    """The shipped language for a language tag (`de`, `pt-br`, `zh-hans`, `pt_BR`), or None."""
    if not tag:
        return None
    if tag in LANGUAGES:
        return tag
    return _BY_PRIMARY.get(re.split(r"[-_]", tag.strip().lower(), maxsplit=1)[0])


def menu_code(language: str) -> str:
    """The two-letter code Telegram's setMyCommands takes for `language`."""
    return language.split("_")[0]


@functools.cache
def translations(language: str) -> gettext_module.NullTranslations:
    """The compiled catalogue of `language` (English and unknown languages: the msgids)."""
    path = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == ENGLISH or not path.is_file():
        return gettext_module.NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out, so they stay English
    compiled.seek(0)
    return gettext_module.GNUTranslations(compiled)


@contextmanager
def use_language(language: str | None) -> Iterator[None]:
    """Show texts in `language` (a shipped one; anything else means English) within."""
    token = _current.set(language if language in LANGUAGES else ENGLISH)
    try:
        yield
    finally:
        _current.reset(token)


def current_language() -> str:
    """The language texts are shown in now."""
    return _current.get()


def babel_locale() -> Locale:
    """The current language as Babel knows it, for dates and numbers."""
    return Locale.parse(current_language())


def format_date_like(when: datetime, skeleton: str) -> str:
    """`when` in the current language, from a CLDR skeleton (`MMMMEd`: Tue, December 1,
    Di., 1. Dezember, 12月1日周二): each language orders and abbreviates the parts its way."""
    return format_skeleton(skeleton, when, locale=babel_locale())


def placeholders(text: str) -> set[str]:
    """The names of the `str.format` fields of `text` (what a translation must keep)."""
    return {m.group(1) for m in _PLACEHOLDER.finditer(text.replace("{{", "").replace("}}", ""))}


class Msg:
    """A text shown to users: `str(msg)` and `msg.format(...)` give it in the current language.

    Deliberately not a `str`: a text used without being translated is a type error.
    """

    __slots__ = ("msgid",)

    def __init__(self, msgid: str) -> None:
        self.msgid = msgid

    def __str__(self) -> str:
        return translations(_current.get()).gettext(self.msgid)

    def format(self, *args: object, **kwargs: object) -> str:
        """The translated text with its `{placeholders}` filled."""
        return str(self).format(*args, **kwargs)

    def __repr__(self) -> str:
        return f"Msg({self.msgid!r})"


class Plural:
    """A text whose wording depends on a number (`1 feed`, `2 feeds`; Russian has three forms):
    `format` picks the form from the placeholder named by `count`."""

    __slots__ = ("count", "plural", "singular")

    def __init__(self, singular: str, plural: str, count: str = "count") -> None:
        self.singular, self.plural, self.count = singular, plural, count

    def format(self, **kwargs: object) -> str:
        """The form for `kwargs[count]`, translated, with its placeholders filled."""
        number = kwargs[self.count]
        n = number if isinstance(number, int) else int(str(number).replace(",", ""))
        text = translations(_current.get()).ngettext(self.singular, self.plural, n)
        return text.format(**kwargs)

    def __repr__(self) -> str:
        return f"Plural({self.singular!r}, {self.plural!r})"
