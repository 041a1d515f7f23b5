"""ROUGE and token-overlap scoring shared by the benchmarks."""

from __future__ import annotations

import random
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence

from rouge_score import rouge_scorer

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")
_SCORER = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)


def rouge_f1(pairs: Iterable[tuple[str, str]]) -> tuple[float, float, float]:
    """Return mean ROUGE-1/2/L F1 (in %) over (reference, prediction) pairs."""
    totals: dict[str, list[float]] = {kind: [] for kind in ROUGE_TYPES}
    for reference, prediction in pairs:
        scores = _SCORER.score(reference, prediction)
        for kind in ROUGE_TYPES:
            totals[kind].append(scores[kind].fmeasure)
    r1, r2, rl = (100 * statistics.mean(totals[kind]) for kind in ROUGE_TYPES)
    return r1, r2, rl


class UnicodeWords:
    """A ROUGE tokenizer for languages the default one mangles: lower-cased Unicode words, no
    stemmer (the default drops accented letters, so French "équilibrée" would vanish)."""

    def tokenize(self, text: str) -> list[str]:
        """The words of `text`."""
        return re.findall(r"\w+", text.lower())


_UNICODE_SCORER = rouge_scorer.RougeScorer(list(ROUGE_TYPES), tokenizer=UnicodeWords())


def rouge_each(
    pairs: Iterable[tuple[str, str]], *, unicode_words: bool = False
) -> list[tuple[float, float, float]]:
    """ROUGE-1/2/L F1 (in %) of each (reference, prediction) pair."""
    scorer = _UNICODE_SCORER if unicode_words else _SCORER
    result = []
    for reference, prediction in pairs:
        scores = scorer.score(reference, prediction)
        r1, r2, rl = (100 * scores[kind].fmeasure for kind in ROUGE_TYPES)
        result.append((r1, r2, rl))
    return result


def mean3(scores: Sequence[tuple[float, float, float]]) -> tuple[float, float, float]:
    """The mean of each of the three ROUGE figures."""
    r1, r2, rl = (statistics.mean(s[i] for s in scores) for i in range(3))
    return r1, r2, rl


def bootstrap_ci(
    diffs: Sequence[float], resamples: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """A 95% percentile bootstrap interval of the mean of `diffs` (per-article differences)."""
    rng = random.Random(seed)
    n = len(diffs)
    means = sorted(statistics.fmean(rng.choices(diffs, k=n)) for _ in range(resamples))
    return means[int(0.025 * resamples)], means[int(0.975 * resamples) - 1]


def token_prf(prediction: str, gold: str) -> tuple[float, float, float]:
    """Return bag-of-whitespace-token precision, recall and F1."""
    pred, ref = Counter(prediction.split()), Counter(gold.split())
    overlap = sum((pred & ref).values())
    precision = overlap / max(1, sum(pred.values()))
    recall = overlap / max(1, sum(ref.values()))
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1
