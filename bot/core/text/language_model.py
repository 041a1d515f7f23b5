"""py3langid's model with its byte automaton held as a prefix table: same answers, 35 MB less.

py3langid counts byte n-gram features with a DFA whose transition table holds 38,346 rows of
256 four-byte states: 39 MB, most of the 78 MB the model takes once loaded, in every process
that detects a language. The DFA is an Aho-Corasick automaton over the features' prefixes:
after any input its state is the prefix that is the input's longest suffix. So a table from
each state's prefix (at most a few bytes) to the feature it counts gives the same counts from
a few dictionary lookups per byte, in about 12 MB. The table is built once from the DFA,
breadth first (a state's shortest path is its prefix), and every one of the DFA's transitions
is then checked to be the Aho-Corasick one for that trie: a model of another shape is refused
(ValueError) and the caller keeps py3langid's own form. Input encoding, scoring and the
merged labels are py3langid's own, called or read from the loaded identifier.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
from py3langid.langid import RAW_FLOOR

_CHUNK = 2048  # states expanded at once: 2048 x 256 targets, a few MB of temporaries


def prefix_table(nextmove: Any, rows: Any, outputs: list[int]) -> dict[bytes, int]:
    """Each DFA state's prefix -> the feature it counts (-1: none); the root is b"".

    `nextmove` is (rows, 256) of next states, `rows` maps a state to its row. Raises
    ValueError unless the DFA is the Aho-Corasick automaton of the prefixes it reaches.
    """
    states = len(rows)
    parent = np.full(states, -1, dtype=np.int64)
    label = np.zeros(states, dtype=np.int64)
    seen = np.zeros(states, dtype=bool)
    seen[0] = True
    levels = [np.zeros(1, dtype=np.int64)]
    while levels[-1].size:
        found_level = []
        frontier = levels[-1]
        for start in range(0, frontier.size, _CHUNK):
            part = frontier[start : start + _CHUNK]
            targets = nextmove[rows[part]]
            at, byte = np.nonzero(~seen[targets])
            found, first = np.unique(targets[at, byte], return_index=True)
            parent[found] = part[at[first]]
            label[found] = byte[first]
            seen[found] = True
            found_level.append(found.astype(np.int64))
        levels.append(np.concatenate(found_level) if found_level else np.zeros(0, np.int64))
    if not seen.all():
        raise ValueError("the automaton has states no input reaches")
    _check_longest_suffix(nextmove, rows, parent, label, levels)
    prefixes = [b""] * states
    parents, labels = parent.tolist(), label.tolist()
    for state in np.concatenate(levels[1:]).tolist():
        prefixes[state] = prefixes[parents[state]] + bytes((labels[state],))
    return dict(zip(prefixes, outputs, strict=True))


def _check_longest_suffix(
    nextmove: Any, rows: Any, parent: Any, label: Any, levels: list[Any]
) -> None:
    """Raise ValueError unless each transition is a trie edge or the failure state's.

    Aho-Corasick: from a state u on byte c, the child u+c when the trie has it, else what the
    failure state of u (its longest proper suffix in the trie) does on c; from the root, the
    child or the root. That is exactly "the longest suffix of the input", level by level.
    """
    states = len(rows)
    depth = np.zeros(states, dtype=np.int64)
    for d, level in enumerate(levels):
        depth[level] = d
    fail = np.zeros(states, dtype=np.int64)
    byte = np.arange(256)[None, :]
    for d, level in enumerate(levels):
        for start in range(0, level.size, _CHUNK):
            part = level[start : start + _CHUNK]
            targets = nextmove[rows[part]].astype(np.int64)
            child = (parent[targets] == part[:, None]) & (label[targets] == byte)
            child &= depth[targets] == d + 1
            fallback = nextmove[rows[fail[part]]] if d else np.zeros_like(targets)
            if np.any((targets != fallback) & ~child):
                raise ValueError("the automaton does not count features by longest suffix")
            at, by = np.nonzero(child)
            fail[targets[at, by]] = fallback[at, by]


def feature_counts(table: dict[bytes, int], longest: int, data: bytes) -> Counter[int]:
    """The features py3langid's DFA counts over `data`, from the prefix table."""
    get = table.get
    root = table[b""]
    found: list[int] = []
    matched = 0
    for end in range(1, len(data) + 1):
        size = min(matched + 1, longest)
        feature = root
        while size:
            hit = get(data[end - size : end])
            if hit is not None:
                feature = hit
                break
            size -= 1
        matched = size
        if feature >= 0:
            found.append(feature)
    return Counter(found)


class CompactIdentifier:
    """`classify(text)` as py3langid's `LanguageIdentifier.classify` gives it (raw scores)."""

    def __init__(
        self,
        table: dict[bytes, int],
        identifier: Any,
    ) -> None:
        self._table = table
        self._longest = max(map(len, table))
        self._ptc = identifier.nb_ptc
        self._pc = identifier.nb_pc
        self._classes = list(identifier.nb_classes)
        self._aliases: list[tuple[int, int]] = list(identifier._alias_pairs)  # srl -> sr
        self._encode: Callable[[str], bytes] = identifier._encode

    @classmethod
    def from_py3langid(cls, identifier: Any) -> CompactIdentifier:
        """The compact form of a loaded py3langid identifier (ValueError when it has none).

        Raw scores only: py3langid's normalised probabilities are not reproduced.
        """
        if identifier._norm_probs or identifier.min_confidence is not None:
            raise ValueError("only raw scores have a compact form")
        moves = identifier.tk_nextmove
        nextmove = np.frombuffer(moves, dtype=f"u{moves.itemsize}").reshape(-1, 256)
        rows = np.frombuffer(identifier.tk_row, dtype=f"u{identifier.tk_row.itemsize}")
        compact = cls(prefix_table(nextmove, rows, list(identifier.tk_output)), identifier)
        for text in _CHECKS:  # and the scoring read from py3langid still scores as it does
            if compact.classify(text) != identifier.classify(text):
                raise ValueError("the compact form classifies differently")
        return compact

    def classify(self, text: str) -> tuple[str, float]:
        """The most likely language of `text` and its raw naive Bayes score."""
        counts = feature_counts(self._table, self._longest, self._encode(text))
        if counts:
            index = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
            times = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
            scores = np.log1p(times) @ self._ptc[index] + self._pc
        else:
            scores = np.full(len(self._classes), RAW_FLOOR, dtype=np.float32)
        for keep, drop in self._aliases:
            scores[keep] = max(scores[keep], scores[drop])
            scores[drop] = RAW_FLOOR
        best = int(scores.argmax())
        return self._classes[best], float(scores[best])


# Texts classified both ways at load: several scripts, one- to four-byte UTF-8, repeats,
# capitals, and nothing to count.
_CHECKS = (
    "The council met on Monday. Der Rat tagte am Montag; le conseil s'est réuni lundi.",
    "Совет собрался в понедельник. Το συμβούλιο συνεδρίασε.",
    "市议会周一开会。 議会は月曜日に開いた。 시의회가 열렸다.",
    "aaaa abab abcabc 1111 ---- 🙂🙂 ﷺ THE COUNCIL MET",
    "",
)
