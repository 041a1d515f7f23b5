"""How a summary is stored: its sentences in article order, each with its pick rank.

Sentences are picked greedily, so the summary of length n is exactly the sentences ranked
below n. One stored summary of the longest length therefore serves every chat's length.
"""

from __future__ import annotations


def store_summary(sentences: tuple[str, ...], ranks: tuple[int, ...]) -> str:
    """One line per sentence, in article order, each prefixed by its rank and a tab."""
    return "\n".join(
        f"{rank}\t{' '.join(s.split())}" for s, rank in zip(sentences, ranks, strict=True)
    )


def load_summary(stored: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """Sentences and their ranks from `store_summary`'s text (plain lines count as in order)."""
    sentences: list[str] = []
    ranks: list[int] = []
    for index, line in enumerate(line for line in stored.splitlines() if line.strip()):
        rank_text, tab, sentence = line.partition("\t")
        ranked = bool(tab) and rank_text.isdigit()
        sentences.append(sentence if ranked else line)
        ranks.append(int(rank_text) if ranked else index)
    return tuple(sentences), tuple(ranks)


def summary_of_length(
    sentences: tuple[str, ...], ranks: tuple[int, ...], length: int
) -> tuple[str, ...]:
    """The summary of `length` sentences, in article order (no ranks: the first ones)."""
    if len(ranks) != len(sentences):
        return sentences[: max(length, 0)]
    return tuple(s for s, rank in zip(sentences, ranks, strict=True) if rank < length)
