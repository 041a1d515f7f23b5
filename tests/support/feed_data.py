"""Build small RSS documents for tests and benchmarks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

BASE_TIME = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


def rss(
    items: Sequence[str],
    *,
    title: str = "Test Feed",
    site: str = "https://t.example.org",
    ttl_min: int | None = None,
    body: str = "",
    newest: datetime = BASE_TIME,
) -> bytes:
    """An RSS 2.0 feed whose items are `site/<slug>` for each slug; the first is the newest,
    published at `newest` (tests that run the bot on the wall clock pass a recent time: a fixed
    date falls out of /topic's window a week later)."""
    parts = []
    for i, slug in enumerate(items):
        when = format_datetime(newest - timedelta(hours=i), usegmt=True)
        text = escape(body or f"Teaser of {slug}.")
        parts.append(
            f"<item><title>Story {escape(slug)}</title><link>{site}/{slug}</link>"
            f"<guid>{site}/{slug}</guid><pubDate>{when}</pubDate>"
            f"<description>{text}</description></item>"
        )
    ttl = f"<ttl>{ttl_min}</ttl>" if ttl_min else ""
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>{site}/</link>{ttl}{''.join(parts)}"
        f"</channel></rss>"
    ).encode()
