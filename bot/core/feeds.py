"""Feed bytes → `ParsedFeed`, with a stable, feed-independent key per story (pure).

Parsing uses feedparser on bytes we fetched ourselves (wrapped in a file object, so feedparser
never fetches a URL or opens a file). RSS 0.9x/1.0/2.0 and Atom 0.3/1.0 are understood. A web
page instead of a feed gives `is_feed=False` with the feeds it links to (autodiscovery). A wrong
or missing charset is decoded as well as it can be rather than refused.

Story identity (`entry_key`), chosen so that the same story in two feeds maps to one key:

- a guid that is an http(s) URL (permalink or not) → its canonical URL, the same key as the
  link of a feed that carries the story without a guid;
- a globally unique guid (`tag:`, `urn:` or any guid of 16+ characters) → `guid:<guid>`;
- a short guid ("4711") is only unique inside its site → `guid:<feed host>:<guid>`;
- no guid → the canonical link;
- no guid, no link → `hash:` of the title and the date (and the feed URL when there is no date).

Stories that still get two keys (one feed uses a URL guid, another a private id) are caught
later by the near-duplicate check in `bot.services.enrich`.
"""

from __future__ import annotations

import hashlib
import io
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import feedparser

from bot.core.textnorm import html_to_text, strip_unsafe
from bot.errors import FeedError

FEED_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+xml"}
)
_TRACKING = frozenset({"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_PERIODS = {"hourly": 3600, "daily": 86_400, "weekly": 604_800, "monthly": 2_592_000}
_PERIODS["yearly"] = 31_536_000
_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_MAX_TEXT = 100_000
_CHAR_REF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")
MAX_CATEGORIES = 5
MAX_CATEGORY_CHARS = 40
_CATEGORY_SPLIT = re.compile(r"[,;|]")
# CMS defaults and labels every story of a feed carries: a tag that says nothing.
_GENERIC_CATEGORIES = frozenset(
    {
        "uncategorized",
        "uncategorised",
        "non classé",
        "non classifié",
        "sin categoría",
        "senza categoria",
        "sem categoria",
        "allgemein",
        "geen categorie",
        "general",
        "default",
        "misc",
        "miscellaneous",
        "other",
        "others",
        "news",
        "article",
        "articles",
        "post",
        "posts",
        "blog",
        "story",
        "stories",
        "home",
        "homepage",
        "featured",
        "latest",
        "top stories",
    }
)


@dataclass(frozen=True)
class Entry:
    """One item of a feed, normalised."""

    key: str
    guid: str
    link: str
    title: str
    published: datetime | None
    summary: str
    content: str
    author: str
    categories: tuple[str, ...] = ()  # the feed's own <category> values, cleaned (tags)


@dataclass(frozen=True)
class ParsedFeed:
    """A parsed feed, or (`is_feed=False`) a web page with the feeds it advertises."""

    title: str
    site_url: str
    entries: tuple[Entry, ...]
    ttl_s: int | None
    update_period_s: int | None
    is_feed: bool
    alternate_feeds: tuple[str, ...] = ()


def canonical_url(url: str) -> str:
    """`url` with scheme/host lower-cased; default port, tracking query and fragment dropped."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    if not parts.netloc:
        return urlunsplit((scheme, "", parts.path, parts.query, ""))
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port is None or _DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in _TRACKING
    ]
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, urlencode(query, doseq=True), ""))


def entry_key(
    guid: str, link: str, title: str, published: datetime | None, feed_url: str = ""
) -> str:
    """The stable identity of a story (see the module docstring for the rules)."""
    guid = guid.strip()
    if guid:
        if _is_http_url(guid):
            return canonical_url(guid)
        if guid.lower().startswith(("tag:", "urn:")) or len(guid) >= 16:
            return f"guid:{guid}"
        return f"guid:{urlsplit(feed_url).hostname or ''}:{guid}"
    if link.strip():
        return canonical_url(link)
    stamp = published.isoformat() if published else f"undated:{canonical_url(feed_url)}"
    digest = hashlib.sha256(f"{title.strip()}\n{stamp}".encode()).hexdigest()[:32]
    return f"hash:{digest}"


def _is_http_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://")) and " " not in text


def parse_feed(data: bytes, url: str, headers: Mapping[str, str] | None = None) -> ParsedFeed:
    """Parse fetched bytes; raise `FeedError` when they are neither a feed nor a web page."""
    response_headers = {"content-location": url}
    content_type = (headers or {}).get("content-type", "")
    if content_type:
        response_headers["content-type"] = content_type
    if _looks_like_html(data, content_type):
        return _web_page(data, url)
    data = drop_bad_char_refs(data)
    parsed = _feedparse(data, response_headers)
    if not _usable(parsed):
        parsed = _feedparse(_as_utf8(data), {"content-location": url})
    if not _usable(parsed):
        if _looks_like_html(data, ""):
            return _web_page(data, url)
        raise FeedError("not a feed: the content could not be read as RSS or Atom")
    return _build(parsed, url)


def drop_bad_char_refs(data: bytes) -> bytes:
    """Remove `&#0;`, `&#xD800;` and other references to characters no text may hold.

    One such reference in one entry made feedparser fail on the whole feed (it cannot encode a
    lone surrogate); the other entries must still arrive. References to 128-159 mean the
    Windows-1252 punctuation old feeds use them for (`&#146;` is ’), as in HTML.
    """
    if b"&#" not in data:
        return data

    def replace(match: re.Match[bytes]) -> bytes:
        hex_digits, digits = match.groups()
        if len(hex_digits or digits) > 8:
            return b""
        code = int(hex_digits, 16) if hex_digits else int(digits)
        if 0x80 <= code <= 0x9F:
            try:
                return f"&#{ord(bytes([code]).decode('cp1252'))};".encode()
            except UnicodeDecodeError:  # the five bytes Windows-1252 leaves undefined
                return b""
        if code > 0x10FFFF or strip_unsafe(chr(code)) == "":
            return b""
        return match.group(0)

    return _CHAR_REF.sub(replace, data)


def _feedparse(data: bytes, headers: dict[str, str]) -> Any:
    try:
        # We turn all HTML into plain text ourselves, so feedparser's sanitiser and URI
        # rewriting inside content are wasted work (a third of its time).
        return feedparser.parse(
            io.BytesIO(data),
            response_headers=headers,
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except Exception:  # feedparser's own bugs on hostile input must not escape
        return feedparser.FeedParserDict(entries=[], feed={}, version="", bozo=1)


def _usable(parsed: Any) -> bool:
    return bool(parsed.get("entries")) or bool(parsed.get("version"))


def _looks_like_html(data: bytes, content_type: str) -> bool:
    head = data[:2048].lstrip().lower()
    if b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head:
        return False
    if "html" in content_type.lower():
        return True
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head[:512]


def _as_utf8(data: bytes) -> bytes:
    """The bytes re-encoded as UTF-8 after a best guess at their real charset."""
    text: str
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = _guess_decode(data)
    body = _XML_DECL.sub(b"", text.encode("utf-8", errors="replace"), count=1)
    return b'<?xml version="1.0" encoding="utf-8"?>' + body


def _guess_decode(data: bytes) -> str:
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:200_000]).best()
        if best is not None:
            return str(best)
    except ImportError:  # pragma: no cover - charset_normalizer comes with trafilatura
        pass
    return data.decode("cp1252", errors="replace")


def _web_page(data: bytes, url: str) -> ParsedFeed:
    text = data.decode("utf-8", errors="replace")
    return ParsedFeed(
        title=_html_title(text),
        site_url=url,
        entries=(),
        ttl_s=None,
        update_period_s=None,
        is_feed=False,
        alternate_feeds=discover_feeds(text, url),
    )


def _build(parsed: Any, url: str) -> ParsedFeed:
    feed = parsed.get("feed") or {}
    entries: dict[str, Entry] = {}
    for raw in parsed.get("entries") or ():
        entry = _entry(raw, url)
        if entry is not None and entry.key not in entries:
            entries[entry.key] = entry
    return ParsedFeed(
        title=_clean(feed.get("title", "")),
        site_url=_http_link(feed.get("link", ""), url),
        entries=tuple(entries.values()),
        ttl_s=_ttl_s(feed.get("ttl")),
        update_period_s=_update_period_s(
            feed.get("sy_updateperiod"), feed.get("sy_updatefrequency")
        ),
        is_feed=True,
    )


def _entry(raw: Any, feed_url: str) -> Entry | None:
    title = _clean(raw.get("title", ""))
    link = _http_link(raw.get("link", ""), feed_url)
    guid = strip_unsafe(str(raw.get("id") or "")).strip()
    published = _published(raw)
    summary = _clean(raw.get("summary", ""))
    if not (title or link or guid or summary):
        return None
    return Entry(
        key=entry_key(guid, link, title or summary[:200], published, feed_url),
        guid=guid,
        link=link,
        title=title,
        published=published,
        summary=summary,
        content=_content(raw),
        author=_clean(raw.get("author", "")),
        categories=_categories(raw.get("tags")),
    )


def _clean(value: object) -> str:
    return html_to_text(str(value or "")[:_MAX_TEXT])


def _categories(tags: object) -> tuple[str, ...]:
    """The entry's categories (`<category>`, Atom `term`/`label`, `dc:subject`) fit for tags.

    At most `MAX_CATEGORIES`, in feed order, each tidied and at most `MAX_CATEGORY_CHARS`
    long; a value listing several ("Politics, Elections") gives each. URLs (Blogger's
    `kind#post` scheme terms), values without a letter ("2024") and CMS defaults
    ("Uncategorized", "News") say nothing about the story and are dropped, and so is a
    repeat in other case.
    """
    if not isinstance(tags, list):
        return ()
    found: dict[str, str] = {}
    for tag in tags[:50]:  # a hostile feed may list thousands
        if not hasattr(tag, "get"):
            continue
        value = html_to_text(str(tag.get("label") or tag.get("term") or "")[:1000])
        for part in _CATEGORY_SPLIT.split(value):
            name = " ".join(part.split())
            if _is_category(name):
                found.setdefault(name.casefold(), name)
    return tuple(found.values())[:MAX_CATEGORIES]


def _is_category(name: str) -> bool:
    return (
        0 < len(name) <= MAX_CATEGORY_CHARS
        and any(c.isalpha() for c in name)
        and "://" not in name
        and not name.lower().startswith("www.")
        and name.casefold() not in _GENERIC_CATEGORIES
    )


def _content(raw: Any) -> str:
    values = [str(c.get("value") or "") for c in raw.get("content") or () if hasattr(c, "get")]
    if not values:
        return ""
    return _clean(max(values, key=len))


def _http_link(link: object, base: str) -> str:
    text = strip_unsafe(str(link or "")).strip()
    if not text:
        return ""
    try:
        absolute = urljoin(base, text)
    except ValueError:
        return ""
    return absolute if _is_http_url(absolute) else ""


def _published(raw: Any) -> datetime | None:
    for name in ("published_parsed", "updated_parsed", "created_parsed"):
        value = dict.get(raw, name)  # plain dict access: no feedparser fallback warning
        if isinstance(value, time.struct_time):
            try:
                return datetime(*value[:6], tzinfo=UTC)
            except (ValueError, OverflowError):
                continue
    return None


def _ttl_s(value: object) -> int | None:
    text = str(value or "").strip()
    return int(text) * 60 if text.isdigit() and 0 < int(text) < 100_000 else None


def _update_period_s(period: object, frequency: object) -> int | None:
    seconds = _PERIODS.get(str(period or "").strip().lower())
    if seconds is None:
        return None
    freq_text = str(frequency or "1").strip()
    freq = int(freq_text) if freq_text.isdigit() and int(freq_text) > 0 else 1
    return max(1, seconds // freq)


class _LinkFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.feeds: list[str] = []
        self.base: str | None = None
        self.title: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "base" and values.get("href") and self.base is None:
            self.base = values["href"]
        elif tag in ("link", "a") and _is_feed_link(values):
            self.feeds.append(values.get("href", ""))
        self._in_title = tag == "title" and not self.title

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)


def _is_feed_link(values: Mapping[str, str]) -> bool:
    rels = values.get("rel", "").lower().split()
    kind = values.get("type", "").lower().split(";")[0].strip()
    return "alternate" in rels and kind in FEED_TYPES and bool(values.get("href", "").strip())


def _find_links(html: str) -> _LinkFinder:
    finder = _LinkFinder()
    try:
        finder.feed(html[:1_000_000])
        finder.close()
    except (AssertionError, ValueError):  # pragma: no cover - html.parser is lenient
        pass
    return finder


def discover_feeds(html: str, base_url: str) -> tuple[str, ...]:
    """The feed URLs a web page advertises with `<link rel="alternate" type="...rss+xml">`."""
    finder = _find_links(html)
    base = urljoin(base_url, finder.base) if finder.base else base_url
    found: dict[str, None] = {}
    for href in finder.feeds:
        absolute = _http_link(href, base)
        if absolute:
            found.setdefault(absolute, None)
    return tuple(found)


def _html_title(html: str) -> str:
    return " ".join("".join(_find_links(html).title).split())[:300]
