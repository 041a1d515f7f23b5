"""A few significant terms of a story, used as tags and for topic matching: names and noun phrases.

There is no part-of-speech tagger to hand (and nothing may be downloaded), so the rule reads the
signals a reader would (#14, gap 6 of the UX review):

- **Names**: runs of capitalised words ("Bashar al-Assad", "Black Sea"). A word counts as
  capitalised only where capitals mean something: mid-sentence, or in a run with such a word.
  A lone capitalised sentence opener ("Forecasters", "Central" in "Central bank holds rates")
  needs to be seen capitalised mid-sentence too; a title in Title Case proves nothing. Honorifics
  before a name are dropped ("President Bashar al-Assad" is "Bashar al-Assad").
- **Noun phrases** (English): two or three lowercase content words that recur together
  ("central bank" in the title and the text, "high fuel costs" rather than "high fuel"), so
  "Central bank" is one tag, never `#central #bank`; verb and adverb endings rule one out.
- **Nouns**: a lowercase word only when names and phrases leave room, it is in the title and
  recurs, and (in English) it looks like neither a verb nor an adjective.

A term that shares a word with one already picked is skipped, so fragments of a picked name or
phrase never follow it. Words in the title count extra. Languages other than English keep the
capital and frequency signals and skip the English word lists and phrases (German capitalises
every noun, so its tags are its most frequent nouns; Chinese or Japanese text yields none).

Cost: one regular-expression pass and two passes over the words of at most `MAX_INPUT_CHARS`
characters (under a millisecond for a typical story; `benchmarks/tags.py` measures it).
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.core.text.language import stop_words_for, sumy_language

_TOKEN_RE = re.compile(r"[^\W\d_]+(?:['’‘\-][^\W\d_]+)*|[.!?;:,\"“”()\n]")
_APOSTROPHES = "'’‘"
_ELISION_RE = re.compile(r"(?:[cdjlmnst]|qu|dell|dall|nell|sull|all|un)['’‘](?=\w)")
_SENTENCE_ENDS = frozenset('.!?"“”\n')
_CONNECTORS = frozenset({"al", "bin", "da", "de", "del", "der", "di", "la", "le", "van", "von"})
MAX_INPUT_CHARS = 10_000  # a story's names are in its first pages; bounds the cost
_MAX_TITLE_CHARS = 1000
_MAX_WORD_CHARS = 30  # longer "words" are junk (URLs, glued text), never tags
_MAX_NAME_WORDS = 4  # a longer capitalised run is a heading or shouting, not a name
_MIN_LENGTH = 3
_NAME_WEIGHT = 2.0
_PHRASE_WEIGHT = 1.5
_TITLE_BONUS = 2.0
_NOUN_MIN_COUNT = 3


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_CALENDAR = _word_set(
    "monday tuesday wednesday thursday friday saturday sunday january february march april "
    "may june july august september october november december"
)
# English words before a name that are not part of it.
_HONORIFICS = _word_set(
    "mr mrs ms dr prof president minister governor senator sen rep gen general king queen "
    "prince princess pope chancellor secretary judge sir lord lady chief chairman ceo "
    "spokesman spokeswoman spokesperson premier mayor"
)
# English verb forms common in news that are seldom nouns, which the suffix rules below miss
# (irregular, or a headline's "-s": "holds", "shakes"). Ambiguous ones ("cut", "offer") are
# left out, so "pay offer" can still be a phrase.
_VERBS = _word_set(
    "say says said tells told asks asked adds added makes made takes took gives gave gets got "
    "goes went comes came sees saw knows knew thinks thought wants needs finds found shows "
    "shown keeps kept holds held puts lets seems became becomes brings brought begins began "
    "means meant wins won loses lost pays paid meets met leads led rises rose falls fell hits "
    "shakes shook passes unveils signals warns urges vows seeks sought faces strikes struck "
    "sells sold buys bought spends spent builds built sends sent expects kills killed"
)
_VERB_ENDINGS = ("ed", "ing", "izes", "ises", "ates", "ifies")
_ADJECTIVE_ENDINGS = ("ly", "ous", "ive", "ful", "less", "able", "ible", "ical")
# Adjectives that are fine before a noun ("central bank") but no tag alone.
_ADJECTIVE_ALONE_ENDINGS = ("ial", "ional", "tral", "thern", "stern", "odern")
# Adjectives of nationality stand alone as capitalised words; "Syrian" is no tag, "Syria" is.
_DEMONYM_ENDINGS = ("ian", "ean", "ese", "ish", "ratic")


@functools.cache
def _stop_words(language: str) -> frozenset[str]:
    """The stop words for a language code: sumy's, else the `stop-words` package's, else none
    (English adds `_VERBS`).

    (sumy alone has none for Russian, Dutch and the other languages the `stop-words` package
    brought in; asking it raised LookupError and failed the story's enrichment.)
    """
    name = sumy_language(language)
    found = stop_words_for(name) if name else frozenset()
    return found | _VERBS if name == "english" else found


@dataclass
class _Counts:
    """What the passes over the text saw, keyed by lower-cased form."""

    capital_mid: Counter[str]  # written capitalised mid-sentence
    names: Counter[str] = field(default_factory=Counter)
    shown: dict[str, str] = field(default_factory=dict)  # how a name is written
    lower: Counter[str] = field(default_factory=Counter)  # written in lower case
    pairs: Counter[tuple[str, str]] = field(default_factory=Counter)
    triples: Counter[tuple[str, str, str]] = field(default_factory=Counter)


# A word as the passes read it: (word, lower case, starts its sentence, capitalised).
Token = tuple[str, str, bool, bool]
Sentence = list[Token]
_GAP: Token = ("", "", False, False)  # a comma or bracket: words either side are not a pair


def extract_keywords(
    text: str, title: str | None = None, language: str = "en", limit: int = 3
) -> tuple[str, ...]:
    """Return up to `limit` names and noun phrases, most significant first."""
    if limit <= 0:
        return ()
    english = sumy_language(language) == "english"  # "en", "en-GB", "english"
    stop = _stop_words(language)
    body = _sentences(text[:MAX_INPUT_CHARS])
    heading = _sentences((title or "")[:_MAX_TITLE_CHARS])
    title_words = [key for sentence in heading for _, key, _, _ in sentence]
    if heading and _is_title_case(heading, stop):
        # Capitals prove nothing in "Youth Orchestra Wins Competition": its words count as
        # lower case, so they can still make phrases with the text and back up its names.
        heading = [[(key, key, first, False) for _, key, first, _ in s] for s in heading]
    capital_mid = Counter(
        key for s in (*body, *heading) for _, key, first, capital in s if capital and not first
    )
    counts = _Counts(capital_mid)
    for sentence in (*body, *heading):
        _scan(sentence, stop, counts, english)
    ranked = _ranked(counts, _joined(title_words), english)
    return _pick(ranked, limit, counts, title_words, stop, english)


def _sentences(text: str) -> list[Sentence]:
    """The text as sentences of tokens (see `_without_apostrophes`)."""
    sentences: list[Sentence] = []
    current: Sentence = []
    for raw in _TOKEN_RE.findall(text):
        if not raw[0].isalpha():
            if raw in _SENTENCE_ENDS:
                if current:
                    sentences.append(current)
                    current = []
            elif current:
                current.append(_GAP)
            continue
        if len(raw) > _MAX_WORD_CHARS:
            current.append(_GAP)
            continue
        if "'" in raw or "’" in raw or "‘" in raw:
            raw = _without_apostrophes(raw)
        capital = raw[0].isupper() or ("-" in raw and any(p[:1].isupper() for p in raw.split("-")))
        current.append((raw, raw.lower(), not current, capital))
    if current:
        sentences.append(current)
    return sentences


def _without_apostrophes(word: str) -> str:
    """`word` without a possessive ("Iran's") or an elided article ("l'État", "dell'Italia")."""
    if len(word) > 2 and word[-2] in _APOSTROPHES and word[-1] in "sS":
        word = word[:-2]
    elided = _ELISION_RE.match(word)
    return word[elided.end() :] if elided else word


def _is_title_case(sentences: list[Sentence], stop: frozenset[str]) -> bool:
    """True for a headline whose content words are mostly capitalised."""
    words = [
        cap for s in sentences for w, key, first, cap in s if w and not first and key not in stop
    ]
    return len(words) >= 3 and sum(words) >= 0.6 * len(words)


def _scan(sentence: Sentence, stop: frozenset[str], counts: _Counts, english: bool) -> None:
    """Count the names, lower-case words and lower-case word pairs of one sentence."""
    run: list[str] = []
    run_start = False
    previous = before = ""  # the lower-case words just before this one, for phrases
    tokens = [*sentence, _GAP]
    for i, (word, key, first, capital) in enumerate(tokens):
        if capital and (key in stop or (first and not counts.capital_mid[key])):
            # "US" and "WHO" are acronyms, "New York" a name; a sentence opener never seen
            # capitalised inside a sentence ("Central bank holds...") is an ordinary word.
            # Either way it may still open a name when a capitalised word follows it.
            _, next_key, _, next_capital = tokens[i + 1]
            followed = next_capital and next_key not in stop
            if key in stop:
                proper = not first or counts.capital_mid[key] > 0
                capital = (len(word) > 1 and word.isupper()) or (followed and proper)
            else:
                capital = followed
        if capital or (run and key in _CONNECTORS):
            if not run:
                run_start = first
            run.append(word)
            previous = before = ""
            continue
        if run:
            _flush(run, run_start, stop, counts, english)
            run = []
        if not word or key in stop or len(key) < _MIN_LENGTH or (capital and not first):
            previous = before = ""
            continue
        counts.lower[key] += 1
        if previous and english:
            counts.pairs[(previous, key)] += 1
            if before:
                counts.triples[(before, previous, key)] += 1
        previous, before = key, previous


def _flush(
    run: list[str], at_start: bool, stop: frozenset[str], counts: _Counts, english: bool
) -> None:
    """Record a run of capitalised words as a name (honorifics in front dropped)."""
    while run and run[-1].lower() in _CONNECTORS:
        run = run[:-1]
    if not run or len(run) > _MAX_NAME_WORDS:
        return
    if english:
        cut = max((i for i, w in enumerate(run[:-1]) if w.lower() in _HONORIFICS), default=-1)
        run = run[cut + 1 :]
    if len(run) == 1 and not _is_name(run[0], stop, english):
        return
    key = " ".join(run).lower()
    counts.names[key] += 1
    counts.shown.setdefault(key, " ".join(run))


def _is_name(word: str, stop: frozenset[str], english: bool) -> bool:
    """Whether a single capitalised word may stand alone as a name ("EU" may, "Syrian" not)."""
    key = word.lower()
    if word.isupper() and len(word) >= 2:
        return True
    if key in stop or key in _CALENDAR or key in _HONORIFICS or len(key) < _MIN_LENGTH:
        return False
    return not (english and key.endswith(_DEMONYM_ENDINGS) and len(key) > 4)


def _joined(words: list[str]) -> str:
    return f" {' '.join(words)} "


def _ranked(counts: _Counts, title: str, english: bool) -> list[tuple[float, str, str]]:
    """(score, key, shown) of every name and phrase, best first."""
    scored: list[tuple[float, str, str]] = []
    for key, n in counts.names.items():
        if counts.lower[key] > n:  # mostly written in lower case: a word, not a name
            continue
        bonus = _TITLE_BONUS if f" {key} " in title else 0.0
        scored.append((_NAME_WEIGHT * n + bonus, key, counts.shown[key]))
    covered: set[tuple[str, str]] = set()  # pairs inside a recurring triple: fragments
    phrases: list[tuple[tuple[str, ...], int]] = []
    for triple, n in counts.triples.items():
        if n >= 2 and _is_phrase(triple[1], triple[2]) and not triple[0].endswith(("ly", "ed")):
            phrases.append((triple, n))
            covered.update(pair for pair in (triple[:2], triple[1:]) if counts.pairs[pair] <= n)
    for pair, n in counts.pairs.items():
        if n >= 2 and pair not in covered and _is_phrase(*pair):
            phrases.append((pair, n))
    for words, n in phrases:
        key = " ".join(words)
        bonus = _TITLE_BONUS if f" {key} " in title else 0.0
        scored.append((_PHRASE_WEIGHT * n + bonus, key, key))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return scored


def _is_phrase(first: str, second: str) -> bool:
    """An English adjective or noun, then a noun: "central bank", "pay offer"."""
    if first.endswith(("ly", "ed")) or second.endswith(("ly", "ed", "ing")):
        return False
    return not second.endswith(_ADJECTIVE_ENDINGS + _ADJECTIVE_ALONE_ENDINGS)


def _is_noun(word: str, english: bool) -> bool:
    """Whether a lower-case word may be a tag alone (English: not verb- or adjective-like)."""
    if len(word) < 4:
        return False
    endings = _VERB_ENDINGS + _ADJECTIVE_ENDINGS + _ADJECTIVE_ALONE_ENDINGS
    return not english or not word.endswith(endings)


def _pick(
    ranked: list[tuple[float, str, str]],
    limit: int,
    counts: _Counts,
    title_words: list[str],
    stop: frozenset[str],
    english: bool,
) -> tuple[str, ...]:
    """The best terms that share no word with a better one; title nouns fill what is left.

    A one-word name that is part of a longer name stands for that name when the longer one
    is seen as often ("Karan" is "Karan Johar"), so no such fragment is
    a tag; a surname far more frequent alone ("Assad") stays.
    """
    picked: list[str] = []
    used: set[str] = set()
    longer: dict[str, str] = {}
    for key, _count in sorted(counts.names.items(), key=lambda kv: (-kv[1], kv[0])):
        if " " in key:
            for word in key.split():
                longer.setdefault(word, key)
    nouns = sorted(
        (
            (-counts.lower[w], w)
            for w in set(title_words)
            if counts.lower[w] >= _NOUN_MIN_COUNT and w not in stop and _is_noun(w, english)
        ),
    )
    for _score, key, shown in [*ranked, *((0.0, w, w) for _, w in nouns)]:
        if len(picked) >= limit:
            break
        if key in longer and counts.names[longer[key]] >= counts.names[key] > 0:
            key = longer[key]
            shown = counts.shown[key]
        words = set(key.replace("-", " ").split())
        glued = key.replace(" ", "").replace("-", "")  # "TimeWarner" is "Time Warner"
        if words & used or glued in used:
            continue
        picked.append(shown)
        used |= words | {glued}
    return tuple(picked)


def join_keywords(keywords: Iterable[str]) -> str:
    """Keywords as stored in `stories.keywords`: comma-separated (commas inside dropped)."""
    return ",".join(k.replace(",", " ").strip() for k in keywords if k.strip())


def split_keywords(stored: str) -> tuple[str, ...]:
    """The keywords of a `stories.keywords` value, in order."""
    return tuple(k.strip() for k in stored.split(",") if k.strip())
