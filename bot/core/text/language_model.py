"""py3langid's model with its byte automaton held as a prefix table: same answers, 35 MB less.

py3langid counts byte n-gram features with a DFA whose transition table holds 38,346 rows of
256 four-byte states: 39 MB, most of the 78 MB the model takes once loaded, in every process
that detects a language. The DFA is an Aho-Corasick automaton over the features' prefixes:
after any input its state is the prefix that is the input's longest suffix. So a table from
each state's prefix (at most a few bytes) to the feature it counts gives the same counts from
a few dictionary lookups per byte, in about 12 MB. The table is built once from the DFA
(breadth first: a state's shortest path is its prefix); `CompactIdentifier.from_py3langid`
checks the two count alike on a few inputs and refuses a model that is not such an
automaton, and the caller keeps py3langid's own then.
Scoring is py3langid's naive Bayes, unchanged.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from typing import Any

import numpy as np
from py3langid.langid import visit_counts

_CHUNK = 2048  # states expanded at once while the table is built: 2048 x 256 targets, ~2 MB


def prefix_table(nextmove: Any, rows: Any, outputs: list[int]) -> dict[bytes, int]:
    """Each DFA state's prefix -> the feature it counts (-1: none); the root is b"".

    `nextmove` is (rows, 256) of next states, `rows` maps a state to its row. Raises
    ValueError when a state is unreachable (not an automaton over prefixes).
    """
    states = len(rows)
    parent = np.full(states, -1, dtype=np.int64)
    label = np.zeros(states, dtype=np.uint8)
    seen = np.zeros(states, dtype=bool)
    seen[0] = True
    order: list[Any] = []
    frontier = np.zeros(1, dtype=np.int64)
    while frontier.size:
        level = []
        for start in range(0, frontier.size, _CHUNK):
            part = frontier[start : start + _CHUNK]
            targets = nextmove[rows[part]]
            at, byte = np.nonzero(~seen[targets])
            found, first = np.unique(targets[at, byte], return_index=True)
            parent[found] = part[at[first]]
            label[found] = byte[first]
            seen[found] = True
            level.append(found.astype(np.int64))
        frontier = np.concatenate(level) if level else np.zeros(0, dtype=np.int64)
        order.append(frontier)
    if not seen.all():
        raise ValueError("the automaton has states no input reaches")
    prefixes = [b""] * states
    parents, labels = parent.tolist(), label.tolist()
    for state in np.concatenate(order).tolist():
        prefixes[state] = prefixes[parents[state]] + bytes((labels[state],))
    return dict(zip(prefixes, outputs, strict=True))


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

    def __init__(self, table: dict[bytes, int], ptc: Any, pc: Any, classes: list[str]) -> None:
        self._table = table
        self._longest = max(map(len, table))
        self._ptc = ptc
        self._pc = pc
        self._classes = classes
        first: dict[str, int] = {}
        self._aliases = []  # (first column, later column) of a label given twice (srl -> sr)
        for column, code in enumerate(classes):
            if code in first:
                self._aliases.append((first[code], column))
            else:
                first.setdefault(code, column)

    @classmethod
    def from_py3langid(cls, identifier: Any) -> CompactIdentifier:
        """The compact form of a loaded py3langid identifier (ValueError when it has none)."""
        moves = identifier.tk_nextmove
        nextmove = np.frombuffer(moves, dtype=f"u{moves.itemsize}").reshape(-1, 256)
        rows = np.frombuffer(identifier.tk_row, dtype=f"u{identifier.tk_row.itemsize}")
        table = prefix_table(nextmove, rows, list(identifier.tk_output))
        compact = cls(table, identifier.nb_ptc, identifier.nb_pc, list(identifier.nb_classes))
        rowbase = [row << 8 for row in identifier.tk_row]
        for text in _CHECKS:  # a cheap proof that the DFA counts by longest suffix
            data = _encode(text)
            expected = visit_counts(moves, rowbase, identifier.tk_output, data) or Counter()
            if feature_counts(table, compact._longest, data) != expected:
                raise ValueError("the automaton does not count features by longest suffix")
        return compact

    def classify(self, text: str) -> tuple[str, float]:
        """The most likely language of `text` and its raw naive Bayes score."""
        data = _encode(text)
        counts = feature_counts(self._table, self._longest, data)
        if counts:
            index = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
            times = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
            scores = np.log1p(times) @ self._ptc[index] + self._pc
        else:
            scores = np.full(len(self._classes), _FLOOR, dtype=np.float32)
        for keep, drop in self._aliases:
            scores[keep] = max(scores[keep], scores[drop])
            scores[drop] = _FLOOR
        best = int(scores.argmax())
        return self._classes[best], float(scores[best])


# Inputs for the check at load: scripts with one- to four-byte UTF-8, repeats, every byte.
_CHECKS = (
    "The council met on Monday. Der Rat tagte am Montag; le conseil s'est réuni lundi.",
    "Совет собрался в понедельник. Το συμβούλιο συνεδρίασε.",
    "市议会周一开会。 議会は月曜日に開いた。 시의회가 열렸다.",
    "aaaa abab abcabc 1111 ---- 🙂🙂 ﷺ",
    bytes(range(256)).decode("latin-1"),
)
_FLOOR = float(np.finfo(np.float32).min)  # py3langid's score for text with no feature


def _encode(text: str) -> bytes:
    """py3langid's input: all-capitals text lowered, NFC, UTF-8."""
    if text.isupper():
        text = text.lower()
    return unicodedata.normalize("NFC", text).encode("utf8", errors="surrogatepass")
