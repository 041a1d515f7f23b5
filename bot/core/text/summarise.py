"""Story text -> a short extractive summary, deterministic and offline.

sumy's TextRank gives each sentence a centrality score (with our Punkt tokenizer and sumy's
stemmer and stop words for the language). We add a lead-position prior and the overlap with
the title, then pick sentences greedily with a redundancy penalty (MMR) and return them in
article order. Weights were tuned on the shared summarization dev sets; see
`benchmarks/summaries.py` for the figures. Languages sumy lacks get the lead sentences.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import snowballstemmer
from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
from sumy.nlp.stemmers import Stemmer
from sumy.summarizers.text_rank import TextRankSummarizer

from bot.config import MAX_SUMMARY_SENTENCES
from bot.core.text.extract import is_furniture, strip_dateline
from bot.core.text.language import (
    detect_language,
    normalise_language,
    stop_words_for,
    sumy_language,
    tokenizer_language,
)
from bot.core.text.sentences import SentenceTokenizer
from bot.core.text.summary_text import summary_of_length

MAX_SENTENCES = MAX_SUMMARY_SENTENCES
MAX_CANDIDATES = 60  # bounds the O(n^2) TextRank graph on very long pages
# Bounds that make a summary's cost linear in a bounded input, whatever a page holds: the
# lead of a story is what a summary takes (60 candidates fit in far less than this), and a
# "sentence" of thousands of words without a full stop is cut.
MAX_INPUT_CHARS = 30_000
MAX_SENTENCE_CHARS = 1_000
MIN_WORDS = 4  # shorter pieces are captions or labels ("(HT Photo)")
TITLE_OVERLAP = 0.8  # a sentence this close to the title repeats it
# Quotation marks of the languages the bot summarises; not ’ (U+2019), the apostrophe in words.
QUOTE_MARKS = frozenset('"“”„‟‘«»‹›「」『』')


@dataclass(frozen=True)
class Weights:
    """How a sentence's score is made; tuned on the dev sets (benchmarks/summary_weights.py).

    score = centrality * TextRank / max + position * (1 / (1 + index)) ** decay
            + title * overlap with the title + quote * (1 if it holds a quotation mark);
            each pick then loses redundancy * its overlap with the sentences already
            picked (MMR). A quote is colour more often than news: people summarising a story
            rarely pick one (CNN's highlights, OrangeSum's abstracts).
    """

    centrality: float = 0.5
    position: float = 1.0
    decay: float = 0.5
    title: float = 0.9
    redundancy: float = 0.7
    quote: float = -0.2


DEFAULT_WEIGHTS = Weights()  # one configuration for every story

METHOD_RANK = "textrank+lead+mmr"
METHOD_LEAD = "lead"
METHOD_EMPTY = "empty"


@dataclass(frozen=True)
class Summary:
    """Sentences picked for a story, in article order.

    `ranks[i]` is the order in which `sentences[i]` was picked (0 = best). Picking is greedy,
    so the summary of any shorter length is the sentences ranked below that length: one
    summary of the longest length serves every chat (see `bot.core.text.summary_text`).
    """

    sentences: tuple[str, ...]
    language: str
    method: str
    ranks: tuple[int, ...] = ()

    @property
    def text(self) -> str:
        """The summary as one paragraph."""
        return " ".join(self.sentences)

    def shorter(self, sentences: int) -> tuple[str, ...]:
        """The summary with at most `sentences` sentences, in article order."""
        return summary_of_length(self.sentences, self.ranks, sentences)


@functools.cache
def _tokenizer(language: str) -> SentenceTokenizer:
    """Return the shared tokenizer for a language name."""
    return SentenceTokenizer(language)


class _TextRank(TextRankSummarizer):  # type: ignore[misc]
    """sumy's TextRank with its edge weight computed without numpy per pair (same formula)."""

    @staticmethod
    def _rate_sentences_edge(words1: list[str], words2: list[str]) -> float:
        counts = Counter(words2)  # sum(words2.count(w) for w in words1), in linear time
        rank = sum(counts[w] for w in words1)
        if rank == 0:
            return 0.0
        norm = math.log(len(words1)) + math.log(len(words2))
        return float(rank) if math.isclose(norm, 0.0, abs_tol=1e-8) else rank / norm


# sumy wants extra packages for Greek and Polish (failing at the first word without them) and
# has no Turkish stemmer: the `snowballstemmer` package has all three.
SNOWBALL_PACKAGE_LANGUAGES = frozenset({"greek", "polish", "turkish"})


def _stemmer(language: str) -> Callable[[str], str]:
    """sumy's stemmer for the language, else the `snowballstemmer` package's."""
    if language in SNOWBALL_PACKAGE_LANGUAGES:
        return cast(Callable[[str], str], snowballstemmer.stemmer(language).stemWord)
    return cast(Callable[[str], str], Stemmer(language))


@functools.cache
def _ranker(language: str) -> TextRankSummarizer:
    """Return TextRank with a memoised stemmer and the stop words of a sumy language."""
    stemmer = functools.lru_cache(maxsize=1 << 16)(_stemmer(language))
    ranker = _TextRank(stemmer)
    ranker.stop_words = stop_words_for(language)
    return ranker


def summarise(
    text: str,
    title: str | None = None,
    sentences: int = 3,
    max_chars: int = 600,
    language: str | None = None,
    weights: Weights = DEFAULT_WEIGHTS,
) -> Summary:
    """Pick up to `sentences` (0-5) sentences of `text`, at most `max_chars` in all.

    Only the first `MAX_INPUT_CHARS` of `text` are read.
    """
    text = text[:MAX_INPUT_CHARS]
    code = normalise_language(language) if language else detect_language(text)
    count = max(0, min(sentences, MAX_SENTENCES))
    candidates = candidates_of(text, title or "", tokenizer_language(code))
    if count == 0 or not candidates:
        return Summary(sentences=(), language=code, method=METHOD_EMPTY)
    sumy_name = sumy_language(code)
    features = sentence_features(candidates, title or "", sumy_name) if sumy_name else None
    return choose(candidates, features, count, max_chars, code, weights)


def choose(
    candidates: list[str],
    features: SentenceFeatures | None,
    count: int,
    max_chars: int,
    language: str,
    weights: Weights = DEFAULT_WEIGHTS,
) -> Summary:
    """The summary of a story's candidates: ranked by their features, else (None) the lead.

    Apart from `summarise` so that tuning (benchmarks/summary_weights.py) scores many
    weights on features computed once, through the very rule the bot uses.
    """
    if features is None:
        return fit(
            candidates, list(range(min(count, len(candidates)))), max_chars, language, METHOD_LEAD
        )
    return fit(candidates, pick_order(features, count, weights), max_chars, language, METHOD_RANK)


def split_story(text: str, language: str = "en") -> tuple[str, ...]:
    """Split story text (paragraphs separated by line breaks) into sentences."""
    tokenizer = _tokenizer(tokenizer_language(language))
    return tuple(s for part in text.split("\n\n") for s in tokenizer.to_sentences(part))


def candidates_of(text: str, title: str, language: str) -> list[str]:
    """Return the story's sentences worth summarising, without furniture or the title."""
    tokenizer = _tokenizer(language)
    title_words = _word_set(title, tokenizer)
    found: list[str] = []
    for part in text.split("\n\n"):
        for piece in tokenizer.to_sentences(part):
            sentence = strip_dateline(_cut_sentence(piece))
            if is_furniture(sentence) or overlap(_word_set(sentence, tokenizer), title_words) >= (
                TITLE_OVERLAP
            ):
                continue
            found.append(sentence)
    long_enough = [s for s in found if len(tokenizer.to_words(s)) >= MIN_WORDS]
    return (long_enough or found)[:MAX_CANDIDATES]


@dataclass(frozen=True)
class SentenceFeatures:
    """What a sentence's score is made of, computed once per story (TextRank is the cost).

    Kept apart from `Weights` so that tuning (benchmarks/summary_weights.py) scores many
    settings from one computation.
    """

    centrality: tuple[float, ...]  # TextRank, divided by the story's highest
    title: tuple[float, ...]  # overlap with the title's stems
    stems: tuple[frozenset[str], ...]
    quoted: tuple[bool, ...]  # holds a quotation mark


def sentence_features(candidates: list[str], title: str, language: str) -> SentenceFeatures:
    """TextRank centrality, title overlap, stems and quotes of each candidate (sumy `language`)."""
    ranker = _ranker(language)
    tokenizer = _tokenizer(language)
    doc = ObjectDocumentModel([Paragraph([Sentence(s, tokenizer) for s in candidates])])
    ratings = ranker.rate_sentences(doc)
    centrality = [float(ratings[s]) for s in doc.sentences]
    top = max(centrality) or 1.0
    stems = tuple(frozenset(ranker._to_words_set(s)) for s in doc.sentences)
    title_stems = frozenset(ranker._to_words_set(Sentence(title, tokenizer))) if title else None
    return SentenceFeatures(
        centrality=tuple(c / top for c in centrality),
        title=tuple(overlap(s, title_stems) if title_stems else 0.0 for s in stems),
        stems=stems,
        quoted=tuple(bool(QUOTE_MARKS.intersection(s)) for s in candidates),
    )


def pick_order(
    features: SentenceFeatures,
    count: int,
    weights: Weights,
    admit: Callable[[int, list[int]], bool] | None = None,
) -> list[int]:
    """The indexes of the best `count` sentences, in pick order (see `Weights`).

    `admit(i, chosen)` can refuse sentence i beside those chosen (the length experiment of
    `benchmarks/summary_weights.py --fill`); the bot admits every sentence and `fit` cuts.
    """
    base = sentence_scores(features, weights)
    return _select_mmr(base, list(features.stems), count, weights.redundancy, admit)


def sentence_scores(features: SentenceFeatures, weights: Weights) -> list[float]:
    """Each sentence's score before the redundancy penalty (see `Weights`)."""
    parts = zip(features.centrality, features.title, features.quoted, strict=True)
    return [
        weights.centrality * c
        + weights.position * (1.0 / (1 + i)) ** weights.decay
        + weights.title * t
        + weights.quote * q
        for i, (c, t, q) in enumerate(parts)
    ]


def _select_mmr(
    base: list[float],
    stems: list[frozenset[str]],
    count: int,
    redundancy: float,
    admit: Callable[[int, list[int]], bool] | None = None,
) -> list[int]:
    """Pick greedily: best score minus the similarity to what is already picked."""
    chosen: list[int] = []
    while len(chosen) < min(count, len(base)):

        def gain(i: int) -> float:
            penalty = max((overlap(stems[i], stems[j]) for j in chosen), default=0.0)
            return base[i] - redundancy * penalty

        rest = [
            i for i in range(len(base)) if i not in chosen and (admit is None or admit(i, chosen))
        ]
        if not rest:
            break
        chosen.append(max(rest, key=lambda i: (gain(i), -i)))
    return chosen


def fit(
    candidates: list[str], picked: list[int], max_chars: int, language: str, method: str
) -> Summary:
    """Drop the lowest-ranked picks until the summary fits `max_chars`; keep article order.

    The picks kept are always a prefix of the pick order, so `Summary.shorter(n)` equals what
    `summarise(..., sentences=n)` gives. Skipping a pick that does not fit and trying the next
    (filling the budget) measured worse on CNN and OrangeSum, whose references are short (see
    `benchmarks/summary_weights.py --fill`).
    """
    picked = list(picked)
    while picked and sum(len(candidates[i]) + 1 for i in picked) - 1 > max_chars:
        if len(picked) == 1:
            short = (_shorten(candidates[picked[0]], max_chars),) if max_chars > 0 else ()
            return Summary(short, language, method, (0,) * len(short))
        picked.pop()
    rank = {index: r for r, index in enumerate(picked)}
    order = sorted(picked)
    return Summary(
        tuple(candidates[i] for i in order), language, method, tuple(rank[i] for i in order)
    )


def _shorten(sentence: str, max_chars: int) -> str:
    """Cut one over-long sentence at a word boundary, ending with an ellipsis."""
    cut = sentence[: max(0, max_chars - 1)].rsplit(" ", 1)[0].rstrip(" ,;:")
    return f"{cut}…"


def _cut_sentence(sentence: str) -> str:
    """A sentence cut to `MAX_SENTENCE_CHARS` at a word boundary (most are far shorter)."""
    if len(sentence) <= MAX_SENTENCE_CHARS:
        return sentence
    return _shorten(sentence, MAX_SENTENCE_CHARS)


def _word_set(text: str, tokenizer: SentenceTokenizer) -> frozenset[str]:
    """Return the lower-cased words of a text."""
    return frozenset(w.lower() for w in tokenizer.to_words(text))


def overlap(a: frozenset[str], b: frozenset[str] | None) -> float:
    """Return the cosine overlap of two word sets."""
    if not a or not b:
        return 0.0
    return len(a & b) / math.sqrt(len(a) * len(b))
