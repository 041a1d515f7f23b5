"""Small pure text helpers for ingestion: HTML to plain text, and the full-text search document."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from html.parser import HTMLParser

from bot.core.topic_query import normalise_text

_BLOCK_TAGS = frozenset(
    {"p", "br", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote"}
)
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template"})
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
# NUL and other C0/C1 controls (tab, newline and carriage return kept), lone surrogates and
# the non-characters U+FFFE/U+FFFF: PostgreSQL refuses NUL, UTF-8 cannot hold a surrogate, and
# none of them is text a reader should see.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# PostgreSQL's tsvector holds at most 1 MB of lexemes; a search document of at most this many
# UTF-8 bytes stays well below it whatever the words are.
SEARCH_DOC_MAX_BYTES = 256_000


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def strip_unsafe(text: str) -> str:
    """`text` without NULs, control characters (but tab and newlines) and lone surrogates."""
    return _UNSAFE.sub("", text)


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment: tags dropped, entities decoded, whitespace tidied."""
    if "<" not in markup and "&" not in markup:
        return _tidy(markup)
    parser = _TextParser()
    try:
        parser.feed(markup)
        parser.close()
    except (AssertionError, ValueError):  # pragma: no cover - html.parser is very lenient
        return _tidy(html.unescape(re.sub(r"<[^>]*>", " ", markup)))
    return _tidy("".join(parser.parts))


def _tidy(text: str) -> str:
    lines = (_SPACES.sub(" ", line).strip() for line in strip_unsafe(text).splitlines())
    return "\n".join(line for line in lines if line)


def search_text(title: str, keywords: Iterable[str] | str, text: str) -> str:
    """The `stories.search_doc`: title, keywords and text, lower-cased and accent-free.

    Uses `bot.core.topic_query.normalise_text`, so the index and topic queries normalise alike.
    Cut at a word boundary to `SEARCH_DOC_MAX_BYTES`: one huge page must not make the index
    refuse it.
    """
    words = keywords if isinstance(keywords, str) else " ".join(keywords)
    doc = normalise_text(f"{title} {words} {text}"[:SEARCH_DOC_MAX_BYTES])
    encoded = doc.encode()
    if len(encoded) <= SEARCH_DOC_MAX_BYTES:
        return doc
    cut = encoded[: SEARCH_DOC_MAX_BYTES + 1].decode(errors="ignore")
    return cut.rsplit(" ", 1)[0]
