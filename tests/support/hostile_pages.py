"""Pages a stranger may serve to make extraction or summarising slow (made up, no real text)."""

from __future__ import annotations

import random

_WORDS = [
    "the",
    "of",
    "and",
    "council",
    "river",
    "city",
    "police",
    "market",
    "school",
    "report",
    "budget",
    "minister",
    "water",
    "harbour",
    "bridge",
    "storm",
    "rail",
    "strike",
    "court",
    "vote",
]


def _words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(count))


def many_short_paragraphs(lines: int = 8000, seed: int = 1) -> str:
    """About 430 KB of HTML: `lines` short paragraphs, each its own block (slow to extract)."""
    rng = random.Random(seed)
    body = "\n".join(f"<p>Line {i} {_words(rng, 6)}</p>" for i in range(lines))
    return f"<html><body><article>{body}</article></body></html>"


def many_short_lines(lines: int = 8000, seed: int = 2) -> str:
    """One paragraph of `lines` short lines without a full stop: one huge "sentence"."""
    rng = random.Random(seed)
    body = "\n".join(f"Line {i} {_words(rng, 6)}" for i in range(lines))
    return f"<html><body><article><p>{body}</p></article></body></html>"


def one_long_sentence(words: int = 16000, seed: int = 3) -> str:
    """A single sentence of `words` words."""
    rng = random.Random(seed)
    return f"<html><body><article><p>{_words(rng, words)}.</p></article></body></html>"


def huge_page(target_bytes: int = 5_000_000, seed: int = 4) -> str:
    """About `target_bytes` of paragraphs of distinct made-up words (the fetch cap is 5 MB)."""
    rng = random.Random(seed)
    parts: list[str] = []
    size = 0
    n = 0
    while size < target_bytes - 200:
        words = " ".join(
            "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(4, 10)))
            + str(n + k)
            for k in range(30)
        )
        part = f"<p>{words.capitalize()}.</p>\n"
        parts.append(part)
        size += len(part)
        n += 30
    return "<html><body><article>" + "".join(parts) + "</article></body></html>"
