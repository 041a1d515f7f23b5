"""Language of a story, and the sumy language that goes with it.

Detection uses py3langid, whose model ships inside the package. A language that sumy cannot
stem and stop-word offline maps to None, which tells the summariser to use lead sentences.
"""

from __future__ import annotations

import functools
import logging
import threading
from typing import Any

log = logging.getLogger(__name__)

DEFAULT_LANGUAGE = "en"
_SAMPLE_CHARS = 1000
_MIN_LETTERS = 20

# ISO 639-1 -> sumy language with a stemmer (sumy's, else the `snowballstemmer` package's for
# Greek, Polish and Turkish) and stop words available offline (sumy's own, else the
# `stop-words` package's). Chinese, Japanese, Korean and Thai need word segmenters: they get
# lead sentences.
SUMY_LANGUAGES: dict[str, str] = {
    "el": "greek",
    "pl": "polish",
    "tr": "turkish",
    "da": "danish",
    "fi": "finnish",
    "hu": "hungarian",
    "nb": "norwegian",
    "nl": "dutch",
    "no": "norwegian",
    "ro": "romanian",
    "ru": "russian",
    "ar": "arabic",
    "cs": "czech",
    "de": "german",
    "en": "english",
    "es": "spanish",
    "fr": "french",
    "he": "hebrew",
    "it": "italian",
    "pt": "portuguese",
    "sk": "slovak",
    "sv": "swedish",
    "uk": "ukrainian",
}

# ISO 639-1 -> Punkt/sumy-style English name, for sentence splitting in any language.
LANGUAGE_NAMES: dict[str, str] = SUMY_LANGUAGES | {
    "da": "danish",
    "el": "greek",
    "et": "estonian",
    "fi": "finnish",
    "ja": "japanese",
    "ko": "korean",
    "ml": "malayalam",
    "nb": "norwegian",
    "nl": "dutch",
    "no": "norwegian",
    "pl": "polish",
    "ru": "russian",
    "sl": "slovene",
    "th": "thai",
    "tr": "turkish",
    "zh": "chinese",
}

_LOCK = threading.Lock()


def _identifier() -> Any:
    """The language model, loaded once per process even when two threads ask at once."""
    with _LOCK:
        return _load_identifier()


@functools.cache
def _load_identifier() -> Any:
    """py3langid's model in its compact form (about 1.5 s; 45 MB, not 78), else its own."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return compact_or_original(LanguageIdentifier.from_model_file(MODEL_FILE))


def compact_or_original(identifier: Any) -> Any:
    """The compact form of a py3langid identifier, or the identifier when it has none.

    Never raises for the compact form's sake: a py3langid of another shape than the one
    `language_model` was written for costs 35 MB, not language detection.
    """
    try:
        from bot.core.text.language_model import CompactIdentifier

        return CompactIdentifier.from_py3langid(identifier)
    except Exception:
        log.warning("language model kept in py3langid's own form", exc_info=True)
        return identifier


def detect_language(text: str, default: str = DEFAULT_LANGUAGE) -> str:
    """Return the ISO 639-1 code of the text's language, or `default` when too short to tell."""
    sample = text[:_SAMPLE_CHARS]
    if sum(ch.isalpha() for ch in sample) < _MIN_LETTERS:
        return default
    code, _score = _identifier().classify(sample)
    return str(code)


def normalise_language(language: str) -> str:
    """Return the ISO 639-1 code for an ISO code, a locale ("en-GB") or a sumy name."""
    code = language.strip().lower().replace("_", "-").split("-")[0]
    for iso, name in LANGUAGE_NAMES.items():
        if code == name:
            return iso
    return code


@functools.cache
def stop_words_for(language: str) -> frozenset[str]:
    """The stop words of a sumy language: sumy's own, else those of the `stop-words` package.

    Imported here, not at the top: the event loop's process uses this module's light parts
    and never loads sumy (and NLTK under it).
    """
    import stop_words
    from sumy.utils import get_stop_words

    try:
        return frozenset(get_stop_words(language))
    except LookupError:
        return frozenset(stop_words.get_stop_words(language))


def sumy_language(code: str) -> str | None:
    """Return sumy's name for a language, or None when sumy lacks it (use lead sentences)."""
    return SUMY_LANGUAGES.get(normalise_language(code))


def tokenizer_language(code: str) -> str:
    """Return the language name used for sentence splitting (any language works)."""
    iso = normalise_language(code)
    return LANGUAGE_NAMES.get(iso, iso)
