"""A few significant terms of a story, used as tags and for topic matching.

Names (runs of capitalised words, e.g. "Bashar al-Assad") count most; other words count by
frequency once stop words are removed. Words in the title count double.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Iterable

from bot.core.text.language import sumy_language

_TOKEN_RE = re.compile(r"[^\W\d_]+(?:['’‘\-][^\W\d_]+)*|[.!?;:,\"“”()]")
_POSSESSIVE_RE = re.compile(r"['’‘]s$")
_CONNECTORS = frozenset({"al", "bin", "de", "del", "der", "di", "la", "le", "van", "von"})
_NAME_WEIGHT = 2.0
_TITLE_WEIGHT = 2.0
_MIN_LENGTH = 3
MAX_INPUT_CHARS = 50_000  # keywords of a story are in its first pages; bounds the cost
_CALENDAR = frozenset(
    {
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    }
)


@functools.cache
def _stop_words(language: str) -> frozenset[str]:
    """Return sumy's stop words for a language code (empty when sumy lacks it)."""
    from sumy.utils import get_stop_words

    name = sumy_language(language)
    return frozenset(get_stop_words(name)) if name else frozenset()


def extract_keywords(
    text: str, title: str | None = None, language: str = "en", limit: int = 5
) -> tuple[str, ...]:
    """Return up to `limit` keywords, most significant first (names keep their case)."""
    stop = _stop_words(language)
    scores: defaultdict[str, float] = defaultdict(float)
    shown: dict[str, str] = {}
    sources = ((text[:MAX_INPUT_CHARS], 1.0), ((title or "")[:1000], _TITLE_WEIGHT))
    for source, weight in sources:
        for term, is_name in _terms(source, stop):
            key = term.lower()
            scores[key] += weight * (_NAME_WEIGHT if is_name else 1.0)
            if is_name or key not in shown:  # a name's case wins over a sentence opener's
                shown[key] = term
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    picked: list[str] = []
    for key, _score in ranked:
        if len(picked) >= limit:
            break
        if not any(key in p.lower().split() or p.lower() in key.split() for p in picked):
            picked.append(shown[key])
    return tuple(picked)


def join_keywords(keywords: Iterable[str]) -> str:
    """Keywords as stored in `stories.keywords`: comma-separated (commas inside dropped)."""
    return ",".join(k.replace(",", " ").strip() for k in keywords if k.strip())


def split_keywords(stored: str) -> tuple[str, ...]:
    """The keywords of a `stories.keywords` value, in order."""
    return tuple(k.strip() for k in stored.split(",") if k.strip())


def _terms(text: str, stop: frozenset[str]) -> list[tuple[str, bool]]:
    """Return (term, is_name) pairs: capitalised runs as names, other content words alone."""
    terms: list[tuple[str, bool]] = []
    run: list[str] = []
    sentence_start = run_at_start = True
    for raw in _TOKEN_RE.findall(text):
        token = _POSSESSIVE_RE.sub("", raw)  # "Iran's" counts as "Iran"
        if not token[0].isalpha():
            terms.extend(_flush(run, stop, run_at_start))
            run, sentence_start = [], token in '.!?"“”'
            continue
        if not run:
            run_at_start = sentence_start
        capital = any(p[:1].isupper() for p in token.split("-")) and token.lower() not in stop
        connector = bool(run) and token.lower() in _CONNECTORS
        if (capital and not (sentence_start and token.lower() in stop)) or connector:
            run.append(token)
        else:
            terms.extend(_flush(run, stop, run_at_start))
            run = []
            if token.lower() not in stop and len(token) >= _MIN_LENGTH and token.islower():
                terms.append((token, False))
        sentence_start = False
    terms.extend(_flush(run, stop, run_at_start))
    return terms


def _flush(run: list[str], stop: frozenset[str], at_start: bool) -> list[tuple[str, bool]]:
    """Turn a run of capitalised words into a name term (a lone sentence opener is a word)."""
    while run and run[-1].lower() in _CONNECTORS:
        run = run[:-1]
    if not run or (len(run) == 1 and (len(run[0]) < _MIN_LENGTH or run[0].lower() in stop)):
        return []
    if len(run) == 1 and run[0].lower() in _CALENDAR:
        return []
    if len(run) == 1 and at_start:
        return [(run[0].lower(), False)]
    return [(" ".join(run), True)]
