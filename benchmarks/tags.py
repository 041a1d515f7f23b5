"""Do a story's tags mean something? The old and the new keyword rule on the shared articles.

Usage: .venv/bin/python benchmarks/tags.py
Data: ../shared/data relative to the repository, or $DIGEST_BOT_SHARED (the shared folder):
the extraction DEV pages (gold article text, the page's <title>) and the summarization DEV
sets (BBC, Inshorts, CNN without titles, OrangeSum in French). Read in place, never copied.

The articles carry no feed categories, so this measures the keyword part of the tags. The judge
is not the rule under test; it only looks at the article's own text:

- a one-word tag is a **proper noun** when it is not a stop word and, where the word appears
  in mid-sentence positions of the text, it is capitalised more often than not;
- a tag of several words is a **multi-word name** when that word sequence is found verbatim
  (ignoring case and punctuation) in one sentence of the text.

The judge shares one signal with the new rule (capitals mid-sentence), so the figure says
"the tags are the text's own capitalised names and recurring phrases", not "a linguist agrees".
Verbs get a lower bound only (no tagger; the "-s" of "holds" is also the plural of "talks"): a
one-word tag counts as a verb when the text has it, or its stem, right after a modal, "did",
"does" or "not" ("could cut"). A headline's "unveils" with no "will unveil" in the text slips by.

"before" is the shipped rule until #14 (copied below as `baseline_keywords`), 5 per story as
it was configured, and "before@3" the same cut to 3; "after" is `extract_keywords` through
`story_tags`, 3 per story. The last line is `RESULT ...`.
"""

from __future__ import annotations

import functools
import gzip
import html
import itertools
import json
import os
import re
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.core.render import hashtag, story_tags  # noqa: E402
from bot.core.text.keywords import extract_keywords  # noqa: E402
from bot.core.text.language import detect_language, stop_words_for, sumy_language  # noqa: E402

Article = tuple[str, str, str]  # (title, text, language)
Rule = Callable[[Article], tuple[str, ...]]
_WORD_RE = re.compile(r"[^\W\d_]+")
_SENTENCE_RE = re.compile(r"(?<=[.!?])[\"'”’)]*\s+|\n+")
_VERB_CUES = frozenset(
    ["will", "would", "can", "could", "may", "might", "must", "should", "did", "does", "not"]
)


_INFLECTIONS = (("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e"), ("es", ""), ("s", ""))


def _stems(word: str) -> set[str]:
    """The word and what it may be an inflection of: holds → hold, cutting → cutt, cut(e)."""
    stems = {word}
    for ending, back in (
        ("ing", ""),
        ("ing", "e"),
        ("ed", ""),
        ("ed", "e"),
        ("es", ""),
        ("s", ""),
    ):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            stems.add(word[: -len(ending)] + back)
    if word.endswith("ing") and len(word) > 6 and word[-4] == word[-5]:
        stems.add(word[:-4])  # cutting → cut
    return stems


def shared_data_dir() -> Path:
    """Return the shared data folder ($DIGEST_BOT_SHARED overrides ../shared)."""
    shared = os.environ.get("DIGEST_BOT_SHARED")
    base = Path(shared) if shared else Path(__file__).resolve().parents[2] / "shared"
    return base / "data"


def load_sets(data: Path) -> dict[str, list[Article]]:
    """Every article of the DEV sets, by set name."""
    sets: dict[str, list[Article]] = {}
    for name, language in (("bbc", "en"), ("inshorts", "en"), ("cnn", "en"), ("orangesum", "fr")):
        path = data / "summarization" / f"{name}-dev.jsonl"
        with path.open(encoding="utf-8") as handle:
            records = [json.loads(line) for line in handle if line.strip()]
        sets[name] = [(r.get("title") or "", r["text"], language) for r in records]
    truth = json.loads((data / "extraction" / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for item_id, gold in truth.items():
        page = gzip.decompress((data / "extraction" / "html" / f"{item_id}.html.gz").read_bytes())
        found = re.search(r"<title[^>]*>(.*?)</title>", page.decode("utf-8", "replace"), re.S)
        title = " ".join(html.unescape(found.group(1)).split()) if found else ""
        text = gold["articleBody"]
        pages.append((title, text, detect_language(f"{title}\n{text}")))
    sets["extraction"] = pages
    return sets


# --- The judge ---------------------------------------------------------------------------


@functools.cache
def _stop(language: str) -> frozenset[str]:
    name = sumy_language(language)
    return stop_words_for(name) if name else frozenset()


class Judge:
    """One article's text: which words are capitalised mid-sentence, which sequences occur."""

    def __init__(self, text: str, language: str) -> None:
        self.stop = _stop(language)
        self.sentences = [_WORD_RE.findall(s) for s in _SENTENCE_RE.split(text) if s.strip()]
        self.mid: defaultdict[str, list[bool]] = defaultdict(list)
        for words in self.sentences:
            for word in words[1:]:
                self.mid[word.lower()].append(word[:1].isupper())
        self.joined = [f" {' '.join(w.lower() for w in words)} " for words in self.sentences]
        self.after_cue = {
            b.lower()
            for words in self.sentences
            for a, b in itertools.pairwise(words)
            if a.lower() in _VERB_CUES
        }

    def is_name(self, tag: str) -> bool:
        """True for a proper noun or a multi-word name of this text (see the docstring)."""
        words = [w.lower() for w in _WORD_RE.findall(tag)]
        if len(words) >= 2:
            needle = f" {' '.join(words)} "
            return not all(w in self.stop for w in words) and any(needle in s for s in self.joined)
        if len(words) != 1 or words[0] in self.stop:
            return False
        seen = self.mid.get(words[0], [])
        return bool(seen) and sum(seen) > len(seen) / 2

    def is_verb(self, tag: str) -> bool:
        """True for a one-word tag the text uses as a verb: it, or its stem ("holds" → "hold"),
        right after a modal, "did", "does" or "not" ("could cut"). A lower bound: a headline's
        "unveils" whose text never says "will unveil" is not counted ("to" is left out: "to
        court" is no verb)."""
        words = [w.lower() for w in _WORD_RE.findall(tag)]
        if len(words) != 1 or self.is_name(tag):
            return False
        return bool(_stems(words[0]) & self.after_cue)


# --- The rules -----------------------------------------------------------------------------


def _before(limit: int) -> Rule:
    def run(article: Article) -> tuple[str, ...]:
        title, text, language = article
        keywords = baseline_keywords(text, title, language, limit=limit)
        return tuple(k for k in keywords if hashtag(k))

    return run


def _after(article: Article) -> tuple[str, ...]:
    title, text, language = article
    return story_tags((), extract_keywords(text, title, language, limit=3))


RULES: dict[str, Rule] = {"before": _before(5), "before@3": _before(3), "after": _after}


def _tag_words(tag: str) -> str:
    """A tag as the judge reads it: `#Central_bank` → `Central bank`."""
    return (hashtag(tag) or tag).lstrip("#").replace("_", " ")


Score = tuple[float, float, float, float]  # names share, verbs share, tags/story, no tags share


def score(articles: Iterable[Article], rule: Rule) -> Score:
    """Share of tags that are names, share that are verbs, tags per story, stories with none."""
    named = verbs = total = stories = empty = 0
    for article in articles:
        judge = Judge(article[1], article[2])
        tags = [_tag_words(t) for t in rule(article)]
        stories += 1
        empty += not tags
        total += len(tags)
        named += sum(judge.is_name(t) for t in tags)
        verbs += sum(judge.is_verb(t) for t in tags)
    return named / max(total, 1), verbs / max(total, 1), total / max(stories, 1), empty / stories


def timing(articles: list[Article], rule: Callable[..., object]) -> tuple[float, float]:
    """Median and p90 milliseconds per story of a keyword function."""
    samples = []
    for title, text, language in articles:
        start = time.perf_counter()
        rule(text, title, language, limit=3)
        samples.append(time.perf_counter() - start)
    samples.sort()
    return 1000 * statistics.median(samples), 1000 * samples[int(0.9 * (len(samples) - 1))]


def _line(label: str, result: Score) -> str:
    names, verbs, per_story, empty = result
    return (
        f"{label} names {100 * names:5.1f}% verbs {100 * verbs:4.1f}% "
        f"{per_story:.2f}/story none {100 * empty:4.1f}%"
    )


def main() -> int:
    """Print the figures per set and overall, and the RESULT line."""
    data = shared_data_dir()
    if not (data / "summarization").is_dir() or not (data / "extraction").is_dir():
        print(f"Shared data not found at {data}; set DIGEST_BOT_SHARED. Nothing to benchmark.")
        return 0
    sets = load_sets(data)
    sets["all"] = [a for articles in sets.values() for a in articles]
    sets["english"] = [a for a in sets["all"] if a[2] == "en"]
    print("share of tags that are proper nouns or multi-word names, that are verbs (lower")
    print("bound), tags per story and stories without a tag; before = old rule, 5 per story")
    results: dict[str, dict[str, Score]] = {}
    for name, articles in sets.items():
        results[name] = {label: score(articles, rule) for label, rule in RULES.items()}
        print(f"\n{name} ({len(articles)} stories)")
        for label, result in results[name].items():
            print("  " + _line(f"{label:9s}", result))
    print()
    for label in ("before", "after"):
        sample = [" ".join(RULES[label](a)) for a in sets["bbc"][:3]]
        print(f"{label} (first BBC stories): " + " | ".join(sample))
    everything = sets["all"]
    for function in (baseline_keywords, extract_keywords):  # load stop words before timing
        function(everything[0][1], everything[0][0], "en", limit=3)
    old_ms, new_ms = timing(everything, baseline_keywords), timing(everything, extract_keywords)
    print(
        f"keywords per story (this machine, with whatever else runs on it): old median "
        f"{old_ms[0]:.2f} ms, p90 {old_ms[1]:.2f}; "
        f"new median {new_ms[0]:.2f} ms, p90 {new_ms[1]:.2f}"
    )
    every, english = results["all"], results["english"]
    print(
        f"RESULT names before {100 * every['before'][0]:.1f}% after {100 * every['after'][0]:.1f}%"
        f" (english {100 * english['before'][0]:.1f}% -> {100 * english['after'][0]:.1f}%)"
        f" | verbs {100 * every['before'][1]:.1f}% -> {100 * every['after'][1]:.1f}%"
        f" | tags/story {every['before'][2]:.2f} -> {every['after'][2]:.2f},"
        f" none {100 * every['after'][3]:.1f}%"
        f" | keywords ms median {old_ms[0]:.2f} -> {new_ms[0]:.2f}"
    )
    return 0


# --- The baseline: extract_keywords as shipped before #14, unchanged -------------------------

_B_TOKEN_RE = re.compile(r"[^\W\d_]+(?:['’‘\-][^\W\d_]+)*|[.!?;:,\"“”()]")
_B_POSSESSIVE_RE = re.compile(r"['’‘]s$")
_B_CONNECTORS = frozenset({"al", "bin", "de", "del", "der", "di", "la", "le", "van", "von"})
_B_CALENDAR = frozenset(
    str.split(
        "monday tuesday wednesday thursday friday saturday sunday january february march "
        "april may june july august september october november december"
    )
)


@functools.cache
def _b_stop_words(language: str) -> frozenset[str]:
    # The one change: sumy alone raised LookupError for Russian (and the other languages whose
    # stop words come from the `stop-words` package), failing the story.
    name = sumy_language(language)
    return stop_words_for(name) if name else frozenset()


def baseline_keywords(
    text: str, title: str | None = None, language: str = "en", limit: int = 5
) -> tuple[str, ...]:
    """The old rule: capitalised runs count double, other words by frequency, title double."""
    stop = _b_stop_words(language)
    scores: defaultdict[str, float] = defaultdict(float)
    shown: dict[str, str] = {}
    sources = ((text[:50_000], 1.0), ((title or "")[:1000], 2.0))
    for source, weight in sources:
        for term, is_name in _b_terms(source, stop):
            key = term.lower()
            scores[key] += weight * (2.0 if is_name else 1.0)
            if is_name or key not in shown:
                shown[key] = term
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    picked: list[str] = []
    for key, _score in ranked:
        if len(picked) >= limit:
            break
        if not any(key in p.lower().split() or p.lower() in key.split() for p in picked):
            picked.append(shown[key])
    return tuple(picked)


def _b_terms(text: str, stop: frozenset[str]) -> list[tuple[str, bool]]:
    terms: list[tuple[str, bool]] = []
    run: list[str] = []
    sentence_start = run_at_start = True
    for raw in _B_TOKEN_RE.findall(text):
        token = _B_POSSESSIVE_RE.sub("", raw)
        if not token[0].isalpha():
            terms.extend(_b_flush(run, stop, run_at_start))
            run, sentence_start = [], token in '.!?"“”'
            continue
        if not run:
            run_at_start = sentence_start
        capital = any(p[:1].isupper() for p in token.split("-")) and token.lower() not in stop
        connector = bool(run) and token.lower() in _B_CONNECTORS
        if (capital and not (sentence_start and token.lower() in stop)) or connector:
            run.append(token)
        else:
            terms.extend(_b_flush(run, stop, run_at_start))
            run = []
            if token.lower() not in stop and len(token) >= 3 and token.islower():
                terms.append((token, False))
        sentence_start = False
    terms.extend(_b_flush(run, stop, run_at_start))
    return terms


def _b_flush(run: list[str], stop: frozenset[str], at_start: bool) -> list[tuple[str, bool]]:
    while run and run[-1].lower() in _B_CONNECTORS:
        run = run[:-1]
    if not run or (len(run) == 1 and (len(run[0]) < 3 or run[0].lower() in stop)):
        return []
    if len(run) == 1 and run[0].lower() in _B_CALENDAR:
        return []
    if len(run) == 1 and at_start:
        return [(run[0].lower(), False)]
    return [(" ".join(run), True)]


if __name__ == "__main__":
    sys.exit(main())
