"""The topic query language and its translation to SQLite FTS5 and PostgreSQL tsquery (pure).

A query is words, `"exact phrases"`, `-exclusions` and `a OR b`. Words match case- and
accent-insensitively, on the word and its inflections, by prefix matching normalised tokens:
`syria` finds "Syria", "Syrian" and "Syria's" (indexed as `syria s`) but not "Assyria".
Terms next to each other must all match; `OR` joins the two terms around it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot import texts
from bot.errors import UserError

MAX_QUERY_CHARS = 200
MAX_TERMS = 12
_TOKEN_RE = re.compile(r'-?"[^"]*"?|\S+')


def normalise_text(text: str) -> str:
    """Lower-case, accents stripped, everything but letters and digits turned to spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(
        ch if ch.isalnum() else " " for ch in decomposed if not unicodedata.combining(ch)
    )
    return " ".join(kept.split())


def normalise_words(text: str) -> list[str]:
    """The normalised tokens of `text`, as the search index stores them."""
    return normalise_text(text).split()


@dataclass(frozen=True)
class Term:
    """Tokens that must appear in order; the last one as a prefix unless `exact`."""

    words: tuple[str, ...]
    exact: bool = False


@dataclass(frozen=True)
class TopicQuery:
    """Groups that must all match (each group: terms joined by OR), minus exclusions."""

    groups: tuple[tuple[Term, ...], ...]
    exclude: tuple[Term, ...] = ()
    text: str = ""


def parse_topic_query(q: str) -> TopicQuery:
    """Parse a topic query; raise UserError with a helpful text when it is unusable."""
    text = " ".join(q.split())
    if not text:
        raise UserError(texts.QUERY_EMPTY)
    if len(text) > MAX_QUERY_CHARS:
        raise UserError(texts.QUERY_TOO_LONG.format(length=len(text), limit=MAX_QUERY_CHARS))
    if text.count('"') % 2:
        raise UserError(texts.QUERY_UNBALANCED_QUOTE)
    groups: list[list[Term]] = []
    exclude: list[Term] = []
    pending_or = False
    for part in _TOKEN_RE.findall(text):
        if part == "OR":
            if not groups or pending_or:
                raise UserError(texts.QUERY_DANGLING_OR)
            pending_or = True
            continue
        negative = part.startswith("-") and len(part) > 1
        term = _parse_term(part[1:] if negative else part)
        if term is None:
            continue
        if negative:
            exclude.append(term)
        elif pending_or:
            groups[-1].append(term)
        else:
            groups.append([term])
        pending_or = False
    return _finish(text, groups, exclude, pending_or)


def _parse_term(token: str) -> Term | None:
    exact = token.startswith('"')
    words = tuple(normalise_words(token.strip('"')))
    return Term(words, exact) if words else None


def _finish(
    text: str, groups: list[list[Term]], exclude: list[Term], pending_or: bool
) -> TopicQuery:
    if pending_or:
        raise UserError(texts.QUERY_DANGLING_OR)
    count = sum(len(t.words) for g in groups for t in g) + sum(len(t.words) for t in exclude)
    if count > MAX_TERMS:
        raise UserError(texts.QUERY_TOO_MANY_TERMS.format(count=count, limit=MAX_TERMS))
    if not groups:
        raise UserError(texts.QUERY_ONLY_EXCLUSIONS if exclude else texts.QUERY_EMPTY)
    return TopicQuery(tuple(tuple(g) for g in groups), tuple(exclude), text)


def canonical(query: TopicQuery) -> str:
    """A normalised spelling of the query, used to store followed topics."""

    def term(t: Term) -> str:
        joined = " ".join(t.words)
        return f'"{joined}"' if t.exact or len(t.words) > 1 else joined

    parts = [" OR ".join(term(t) for t in group) for group in query.groups]
    parts += ["-" + term(t) for t in query.exclude]
    return " ".join(parts)


def _fts5_term(term: Term) -> str:
    phrase = '"' + " ".join(term.words) + '"'
    return phrase if term.exact else phrase + "*"


def to_fts5(query: TopicQuery) -> str:
    """The query as an FTS5 MATCH expression over `stories_fts`."""
    groups = ["(" + " OR ".join(_fts5_term(t) for t in g) + ")" for g in query.groups]
    expr = " AND ".join(groups)
    if query.exclude:
        expr = f"({expr}) NOT (" + " OR ".join(_fts5_term(t) for t in query.exclude) + ")"
    return expr


def _ts_term(term: Term) -> str:
    lexemes = [f"'{w}'" for w in term.words]
    if not term.exact:
        lexemes[-1] += ":*"
    return "(" + " <-> ".join(lexemes) + ")"


def to_tsquery(query: TopicQuery) -> str:
    """The query as a `to_tsquery('simple', ...)` string over the `search` column."""
    groups = ["(" + " | ".join(_ts_term(t) for t in g) + ")" for g in query.groups]
    expr = " & ".join(groups)
    for term in query.exclude:
        expr += f" & !{_ts_term(term)}"
    return expr
