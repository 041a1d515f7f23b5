"""ROUGE and token-overlap scoring shared by the benchmarks."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable

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


def token_prf(prediction: str, gold: str) -> tuple[float, float, float]:
    """Return bag-of-whitespace-token precision, recall and F1."""
    pred, ref = Counter(prediction.split()), Counter(gold.split())
    overlap = sum((pred & ref).values())
    precision = overlap / max(1, sum(pred.values()))
    recall = overlap / max(1, sum(ref.values()))
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1
