"""What users type where a URL may be: spot a link, complete a bare host, refuse the rest.

Pure; a refusal is a `UserError` whose text is the reply.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from bot import texts
from bot.core.netguard import MAX_URL_CHARS, url_host
from bot.core.render import escape
from bot.errors import FetchError, UserError


def looks_like_url(value: str) -> bool:
    """True for `https://…`, `http://…` and bare `example.com/feed` spellings."""
    if value.lower().startswith(("http://", "https://")):
        return True
    return "." in value.split("/", 1)[0] and " " not in value


_LINK_RE = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)


def find_link(text: str) -> str | None:
    """The first http(s) link in a message, without the punctuation that ends a sentence."""
    match = _LINK_RE.search(text)
    return match.group(0).rstrip(".,;:!?)]}") if match else None


def normalise_url(value: str) -> str:
    """Add `https://` to a bare host; refuse anything but a well-formed http(s) URL."""
    if len(value) > MAX_URL_CHARS:
        raise UserError(texts.URL_TOO_LONG.format(limit=f"{MAX_URL_CHARS:,}"))
    url = value if value.lower().startswith(("http://", "https://")) else "https://" + value
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
        url_host(url)
    except (ValueError, FetchError):
        raise UserError(texts.NOT_A_URL.format(names="")) from None
    if not parts.netloc or parts.scheme.lower() not in {"http", "https"}:
        raise UserError(texts.NOT_A_URL.format(names=""))
    return url


def shown_url(url: str) -> str:
    """A URL for a reply: escaped, and cut to 200 characters so the reply always fits."""
    return escape(url if len(url) <= 200 else url[:199] + "…")


_PAYLOAD_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")  # what Telegram lets a t.me ?start= carry


def start_link(payload: str) -> tuple[str, str] | None:
    """A `/start <payload>` deep link as ("subscribe", catalogue name) or ("topic", query);
    None when it is neither.

    A topic query spells spaces as `_` (a payload has no spaces): `topic-climate_deal` is
    `climate deal`, `topic-syria_-football` is `syria -football`.
    """
    if not _PAYLOAD_RE.fullmatch(payload):
        return None
    kind, _, rest = payload.partition("-")
    if kind == "subscribe" and rest:
        return kind, rest
    words = rest.replace("_", " ").split()
    if kind == "topic" and words:
        return kind, " ".join(words)
    return None
