"""Benchmark story extraction and summaries on the shared dev data; prints a RESULT line.

Usage: .venv/bin/python benchmarks/summaries.py
Data: ../shared/data relative to the repository, or $DIGEST_BOT_SHARED (the shared folder).
"""

from __future__ import annotations

import gzip
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _rouge import bootstrap_ci, mean3, rouge_each, rouge_f1, token_prf  # noqa: E402
from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence  # noqa: E402
from sumy.nlp.stemmers import Stemmer  # noqa: E402
from sumy.summarizers.edmundson import EdmundsonSummarizer  # noqa: E402
from sumy.summarizers.lex_rank import LexRankSummarizer  # noqa: E402
from sumy.summarizers.lsa import LsaSummarizer  # noqa: E402
from sumy.summarizers.text_rank import TextRankSummarizer  # noqa: E402
from sumy.utils import get_stop_words  # noqa: E402

from bot.core.text.extract import extract_article  # noqa: E402
from bot.core.text.sentences import SentenceTokenizer  # noqa: E402
from bot.core.text.summarise import split_story, summarise  # noqa: E402

SENTENCES = 3
Record = dict[str, str]
Method = Callable[[Record], str]


def shared_data_dir() -> Path:
    """Return the shared data folder ($DIGEST_BOT_SHARED overrides ../shared)."""
    shared = os.environ.get("DIGEST_BOT_SHARED")
    base = Path(shared) if shared else Path(__file__).resolve().parents[2] / "shared"
    return base / "data"


def load_jsonl(path: Path) -> list[Record]:
    """Read one JSON object per line."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _document(record: Record, with_title: bool = False) -> ObjectDocumentModel:
    """Build a sumy document with our offline tokenizer."""
    tokenizer = SentenceTokenizer("english")
    paragraphs = []
    if with_title:
        paragraphs.append(Paragraph([Sentence(record["title"], tokenizer, is_heading=True)]))
    sentences = [Sentence(s, tokenizer) for s in split_story(record["text"])]
    paragraphs.append(Paragraph(sentences))
    return ObjectDocumentModel(paragraphs)


def _plain_sumy(cls: type) -> Method:
    """Return a plain sumy method (English stemmer and stop words, 3 sentences)."""
    summarizer = cls(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")

    def run(record: Record) -> str:
        return " ".join(str(s) for s in summarizer(_document(record), SENTENCES))

    return run


def _edmundson(record: Record) -> str:
    """Plain sumy Edmundson with the title as heading and its words as bonus words."""
    summarizer = EdmundsonSummarizer(Stemmer("english"))
    tokenizer = SentenceTokenizer("english")
    summarizer.bonus_words = [w.lower() for w in tokenizer.to_words(record["title"])] or ["news"]
    summarizer.stigma_words = ["zzzz"]
    summarizer.null_words = get_stop_words("english")
    doc = _document(record, with_title=True)
    return " ".join(str(s) for s in summarizer(doc, SENTENCES))


def _lead3(record: Record) -> str:
    """First three sentences."""
    return " ".join(split_story(record["text"])[:SENTENCES])


def _ours(record: Record) -> str:
    """The shipped default."""
    return summarise(record["text"], title=record["title"], sentences=SENTENCES).text


def _ours_uncapped(record: Record) -> str:
    """The shipped default without the character cap."""
    return summarise(record["text"], record["title"], SENTENCES, max_chars=10**6).text


METHODS: dict[str, Method] = {
    "ours (default)": _ours,
    "ours (no cap)": _ours_uncapped,
    "lead-3": _lead3,
    "sumy lexrank": _plain_sumy(LexRankSummarizer),
    "sumy textrank": _plain_sumy(TextRankSummarizer),
    "sumy edmundson": _edmundson,
    "sumy lsa": _plain_sumy(LsaSummarizer),
}


def _ms(samples: list[float]) -> tuple[float, float]:
    """Return median and p90 in milliseconds."""
    ordered = sorted(samples)
    return 1000 * statistics.median(ordered), 1000 * ordered[int(0.9 * (len(ordered) - 1))]


def bench_summaries(data: Path) -> dict[str, dict[str, tuple[float, float, float]]]:
    """Print and return ROUGE F1 for every method on both sets."""
    results: dict[str, dict[str, tuple[float, float, float]]] = {}
    for name in ("inshorts-dev.jsonl", "bbc-dev.jsonl"):
        records = load_jsonl(data / "summarization" / name)
        print(f"\n{name} ({len(records)} stories), ROUGE F1 with stemming, 3 sentences")
        results[name] = {}
        for label, method in METHODS.items():
            scores = rouge_f1((r["summary"], method(r)) for r in records)
            results[name][label] = scores
            print(f"  {label:16s} R1 {scores[0]:5.1f}  R2 {scores[1]:5.1f}  RL {scores[2]:5.1f}")
    return results


BUDGET = 600  # the bot's summary budget in characters (summary.max_chars)
HUMAN_SETS = (  # (file, ROUGE on Unicode words without a stemmer)
    ("inshorts-dev.jsonl", False),
    ("cnn-dev.jsonl", False),
    ("orangesum-dev.jsonl", True),
)


def _lead(record: Record, language: str) -> list[str]:
    return list(split_story(record["text"], language))


def _cut(text: str, budget: int = BUDGET) -> str:
    """`text` cut to `budget` characters at a word boundary."""
    return text if len(text) <= budget else text[:budget].rsplit(" ", 1)[0]


def bench_against_lead(data: Path) -> dict[str, dict[str, float]]:
    """Ours against Lead-3 and Lead-3 cut to our budget on every set with a reference; the
    95% bootstrap interval of the per-article R1 difference, and how often ours is the lead."""
    results: dict[str, dict[str, float]] = {}
    for name, unicode_words in (*HUMAN_SETS, ("bbc-dev.jsonl", False)):
        records = load_jsonl(data / "summarization" / name)
        language = "fr" if unicode_words else "en"
        ours, lead3, lead_cut, is_lead = [], [], [], 0
        for record in records:
            summary = summarise(record["text"], record["title"], SENTENCES)
            lead = _lead(record, language)
            ours.append(summary.text)
            lead3.append(" ".join(lead[:SENTENCES]))
            lead_cut.append(_cut(" ".join(lead[:SENTENCES])))
            n = len(summary.sentences)  # "the lead": its first n sentences (datelines cut)
            is_lead += bool(n) and all(
                ours_s in lead_s for ours_s, lead_s in zip(summary.sentences, lead, strict=False)
            )
        refs = [r["summary"] for r in records]
        scored = {
            label: rouge_each(zip(refs, texts, strict=True), unicode_words=unicode_words)
            for label, texts in (("ours", ours), ("lead3", lead3), ("lead3@600", lead_cut))
        }
        diffs = [a[0] - b[0] for a, b in zip(scored["ours"], scored["lead3@600"], strict=True)]
        low, high = bootstrap_ci(diffs)
        means = {label: mean3(s) for label, s in scored.items()}
        print(f"\n{name} ({len(records)} stories), ROUGE F1, 3 sentences, {BUDGET} chars")
        for label, (r1, r2, rl) in means.items():
            print(f"  {label:10s} R1 {r1:5.1f}  R2 {r2:5.1f}  RL {rl:5.1f}")
        delta = means["ours"][0] - means["lead3@600"][0]
        print(
            f"  ours - lead3@600: R1 {delta:+.2f} (95% CI {low:+.2f} .. {high:+.2f}); "
            f"ours is the lead in {100 * is_lead / len(records):.0f}%"
        )
        results[name] = {
            "r1": means["ours"][0],
            "delta": delta,
            "low": low,
            "high": high,
            "lead_share": is_lead / len(records),
            "beats_lead3": float(
                all(a > b for a, b in zip(means["ours"], means["lead3"], strict=True))
            ),
        }
    return results


def bench_summary_time(data: Path) -> tuple[float, float]:
    """Print and return median/p90 ms per story for `summarise` (both sets)."""
    records = [
        r
        for name in ("inshorts-dev.jsonl", "bbc-dev.jsonl")
        for r in load_jsonl(data / "summarization" / name)
    ]
    summarise(records[0]["text"], records[0]["title"])  # load models outside the clock
    times = []
    for record in records:
        start = time.perf_counter()
        summarise(record["text"], title=record["title"])
        times.append(time.perf_counter() - start)
    median, p90 = _ms(times)
    print(f"\nsummarise: median {median:.1f} ms, p90 {p90:.1f} ms per story ({len(records)})")
    return median, p90


def bench_extraction(data: Path) -> tuple[float, float, float, float, float]:
    """Print and return token P/R/F1 and median/p90 ms of `extract_article`."""
    folder = data / "extraction"
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    scores, times = [], []
    for item_id, gold in truth.items():
        html = gzip.decompress((folder / "html" / f"{item_id}.html.gz").read_bytes())
        start = time.perf_counter()
        article = extract_article(html.decode("utf-8", "replace"), url=gold["url"])
        times.append(time.perf_counter() - start)
        scores.append(token_prf(article.text, gold["articleBody"]))
    p, r, f = (statistics.mean(s[i] for s in scores) for i in range(3))
    median, p90 = _ms(times)
    print(f"\nextraction ({len(scores)} pages): token P {p:.3f} R {r:.3f} F1 {f:.3f}")
    print(f"extraction: median {median:.1f} ms, p90 {p90:.1f} ms per page")
    return p, r, f, median, p90


def main() -> int:
    """Run every benchmark and print the RESULT line."""
    data = shared_data_dir()
    if not (data / "summarization").is_dir() or not (data / "extraction").is_dir():
        print(f"Shared data not found at {data}; set DIGEST_BOT_SHARED. Nothing to benchmark.")
        return 0
    import logging

    logging.disable(logging.WARNING)  # trafilatura warns about odd pages
    rouge = bench_summaries(data)
    against = bench_against_lead(data)
    s_med, s_p90 = bench_summary_time(data)
    _p, _r, f, e_med, e_p90 = bench_extraction(data)
    ins, bbc = rouge["inshorts-dev.jsonl"], rouge["bbc-dev.jsonl"]
    best_bbc = max(v[0] for k, v in bbc.items() if k.startswith("sumy"))
    beats_lead = all(a > b for a, b in zip(ins["ours (default)"], ins["lead-3"], strict=True))
    print(
        "RESULT vs lead3@600 R1: "
        + " ".join(
            f"{name.split('-')[0]} {r['delta']:+.2f} [{r['low']:+.2f},{r['high']:+.2f}]"
            f" lead {100 * r['lead_share']:.0f}% beats_lead3={bool(r['beats_lead3'])}"
            for name, r in against.items()
        )
    )
    print(
        "RESULT inshorts ours R1/R2/RL {:.1f}/{:.1f}/{:.1f} lead3 {:.1f}/{:.1f}/{:.1f} "
        "beats_lead3={} | bbc ours R1 {:.1f} best_sumy R1 {:.1f} within_1={} | "
        "extraction F1 {:.3f} | summary ms median {:.1f} p90 {:.1f} | "
        "extraction ms median {:.1f} p90 {:.1f}".format(
            *ins["ours (default)"],
            *ins["lead-3"],
            beats_lead,
            bbc["ours (default)"][0],
            best_bbc,
            bbc["ours (default)"][0] >= best_bbc - 1,
            f,
            s_med,
            s_p90,
            e_med,
            e_p90,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
