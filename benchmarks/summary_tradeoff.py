"""How far one summary configuration can go on both shared summarization sets.

Sweeps the weight of the lead-position prior (and redundancy removal) in `bot.core.text.summarise`,
prints ROUGE F1 on Inshorts (human summaries) and BBC (article sentences picked by an unknown
algorithm) for each setting, then asks whether any article-level signal could tell per story
which of TextRank and Lead-3 to trust: the per-story oracle and the share of stories each wins.

Usage: .venv/bin/python benchmarks/summary_tradeoff.py
Data: ../shared/data relative to the repository, or $DIGEST_BOT_SHARED (the shared folder).
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _rouge import ROUGE_TYPES, rouge_f1
from rouge_score import rouge_scorer
from summaries import (
    METHODS,
    SENTENCES,
    Record,
    load_jsonl,
    shared_data_dir,
)

from bot.core.text.summarise import Weights, split_story, summarise

SETS = ("inshorts-dev.jsonl", "bbc-dev.jsonl")
POSITIONS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5)
REDUNDANCY = (0.0, 0.5)
_SCORER = rouge_scorer.RougeScorer(["rouge1"], use_stemmer=True)


def _sweep(data: dict[str, list[Record]]) -> list[tuple[Weights, tuple[float, ...], float]]:
    """Return (weights, Inshorts R1/R2/RL, BBC R1) for every setting of the sweep."""
    rows: list[tuple[Weights, tuple[float, ...], float]] = []
    for redundancy in REDUNDANCY:
        for position in POSITIONS:
            weights = Weights(position=position, redundancy=redundancy)
            scores = [
                rouge_f1(
                    (
                        r["summary"],
                        summarise(r["text"], r["title"], SENTENCES, 10**6, "en", weights).text,
                    )
                    for r in data[name]
                )
                for name in SETS
            ]
            rows.append((weights, scores[0], scores[1][0]))
    return rows


def _r1(reference: str, prediction: str) -> float:
    """Return ROUGE-1 F1 of one prediction."""
    return float(_SCORER.score(reference, prediction)["rouge1"].fmeasure)


def _oracle(records: list[Record]) -> tuple[float, float, float]:
    """Return the per-story oracle of TextRank vs Lead-3, and the share TextRank wins and ties."""
    textrank, lead = METHODS["sumy textrank"], METHODS["lead-3"]
    best, wins, ties = [], 0, 0
    for record in records:
        a, b = _r1(record["summary"], textrank(record)), _r1(record["summary"], lead(record))
        best.append(max(a, b))
        wins += a > b
        ties += a == b
    return 100 * statistics.mean(best), wins / len(records), ties / len(records)


def _article_shape(records: list[Record]) -> tuple[float, float, float]:
    """Return the median sentences per story, words per sentence and words per story."""
    sentences = [split_story(r["text"]) for r in records]
    return (
        statistics.median(len(s) for s in sentences),
        statistics.median(len(x.split()) for s in sentences for x in s),
        statistics.median(len(r["text"].split()) for r in records),
    )


def main() -> int:
    """Print the sweep, the oracle and the shape of both sets."""
    folder = shared_data_dir() / "summarization"
    if not folder.is_dir():
        print(f"Shared data not found at {folder}; set DIGEST_BOT_SHARED. Nothing to measure.")
        return 0
    data = {name: load_jsonl(folder / name) for name in SETS}
    baselines = {
        name: {
            label: rouge_f1((r["summary"], METHODS[label](r)) for r in data[name])
            for label in ("lead-3", "sumy textrank")
        }
        for name in SETS
    }
    lead_ins = baselines[SETS[0]]["lead-3"]
    target_bbc = baselines[SETS[1]]["sumy textrank"][0] - 1  # the best plain sumy method on BBC
    print(
        "targets: Inshorts R1/R2/RL > lead-3 {:.1f}/{:.1f}/{:.1f}; BBC R1 >= {:.1f} "
        "(sumy textrank - 1)".format(*lead_ins, target_bbc)
    )
    print(f"\n{'position':>8s} {'redund.':>7s}  inshorts R1/R2/RL   bbc R1   both")
    both_met = 0
    for weights, ins, bbc in _sweep(data):
        beats = all(a > b for a, b in zip(ins, lead_ins, strict=True))
        both = beats and bbc >= target_bbc
        both_met += both
        print(
            f"{weights.position:8.2f} {weights.redundancy:7.2f}  "
            f"{ins[0]:5.1f}/{ins[1]:4.1f}/{ins[2]:4.1f}     {bbc:5.1f}   "
            f"{'yes' if both else 'no'}{' (beats lead-3)' if beats and not both else ''}"
        )
    print("\nper story, TextRank vs Lead-3 (ROUGE-1):")
    for name in SETS:
        oracle, wins, ties = _oracle(data[name])
        n, words, length = _article_shape(data[name])
        print(
            f"  {name:20s} oracle R1 {oracle:5.1f}; TextRank wins {wins:4.0%}, ties {ties:4.0%}; "
            f"stories: {n:.0f} sentences, {words:.0f} words/sentence, {length:.0f} words"
        )
    print(
        f"RESULT settings={len(POSITIONS) * len(REDUNDANCY)} both_targets_met={both_met} "
        f"metrics={','.join(ROUGE_TYPES)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
