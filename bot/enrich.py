"""Step 2 of a story's flow: fetch its page, extract, summarise, and spot near-duplicates.

`Enricher.enrich_pending(now)` takes the stories in state 'new', fetches each page (same
guards as feeds; skipped when `fetch.fetch_pages` is false), and computes, off the event loop,
the text, summary, keywords, language, near-duplicate signature and search document. A page
that fails or yields too little text never blocks a story: the feed's content, then its teaser,
stand in. A story whose signature matches a story of the last two days becomes 'duplicate'
(its sources move to the original); the others become 'ready'.

`summary` holds the longest summary a chat may ask for (5 sentences, within
`summary.max_chars`), one per line in article order, each with its pick rank
(`bot.summary_text`); a chat that wants n sentences is shown those ranked below n,
which is exactly the n-sentence summary.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.config import Config, SummaryConfig
from bot.errors import FetchError
from bot.extract import clean_story_text, extract_article
from bot.http_fetch import HTML_ACCEPT, HttpFetcher
from bot.keywords import extract_keywords
from bot.language import detect_language
from bot.neardup import is_near_duplicate, text_signature
from bot.store.engine import Store
from bot.store.sql import utcnow
from bot.store.stories import pending_enrichment, recent_signatures, save_enrichment
from bot.summarise import MAX_SENTENCES, summarise
from bot.summary_text import store_summary
from bot.textnorm import search_text

log = logging.getLogger(__name__)

MIN_PAGE_CHARS = 300  # less than this from a page means extraction failed
MIN_SIGNATURE_WORDS = 50  # shorter texts give signatures too weak to call duplicates
DUPLICATE_WINDOW = timedelta(days=2)


@dataclass(frozen=True)
class Enrichment:
    """What enrichment computed for one story."""

    text: str
    summary: str
    keywords: str
    language: str
    signature: str
    search_doc: str
    source: str  # page | content | teaser


def choose_text(page_text: str, content: str, teaser: str) -> tuple[str, str]:
    """The story text and where it came from: the page, else the feed's content, else teaser."""
    if len(page_text) >= MIN_PAGE_CHARS:
        return page_text, "page"
    candidates = [(content, "content"), (teaser, "teaser"), (page_text, "page")]
    for text, source in candidates[:2]:
        if len(text) >= MIN_PAGE_CHARS:
            return text, source
    return max(candidates, key=lambda c: len(c[0]))


def enrich_story(
    story: Mapping[str, Any], page_html: str | None, config: SummaryConfig
) -> Enrichment:
    """Compute text, summary, keywords, language, signature and search doc (CPU-bound)."""
    page_text = extract_article(page_html, story["url"] or None).text if page_html else ""
    text, source = choose_text(
        page_text, clean_story_text(story["text"] or ""), story["teaser"] or ""
    )
    title = story["title"] or ""
    language = detect_language(f"{title}\n{text}")
    # The longest summary any chat may ask for; each chat shows its own length of it.
    summary = summarise(
        text, title, sentences=MAX_SENTENCES, max_chars=config.max_chars, language=language
    )
    keywords = extract_keywords(text, title, language=language, limit=config.keywords)
    words = len(text.split())
    return Enrichment(
        text=text,
        summary=store_summary(summary.sentences, summary.ranks),
        keywords=",".join(keywords),
        language=summary.language or language,
        signature=text_signature(text) if words >= MIN_SIGNATURE_WORDS else "",
        search_doc=search_text(title, keywords, text),
        source=source,
    )


def find_original(signature: str, recent: list[tuple[int, str]], story_id: int) -> int | None:
    """The id of the earliest recent story this signature near-duplicates, or None."""
    if not signature:
        return None
    for other_id, other_signature in recent:
        if other_id != story_id and is_near_duplicate(signature, other_signature):
            return other_id
    return None


def decode_html(body: bytes, content_type: str) -> str:
    """Decode a page: the charset the server named, else UTF-8, else Windows-1252."""
    for part in content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            try:
                return body.decode(value.strip("\"' "), errors="replace")
            except LookupError:
                break
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace")


class Enricher:
    """Turns 'new' stories into 'ready' (or 'duplicate') ones."""

    def __init__(
        self,
        store: Store,
        fetcher: HttpFetcher,
        config: Config,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.store = store
        self.fetcher = fetcher
        self.config = config
        self.clock = clock

    async def enrich_pending(self, now: datetime | None = None, limit: int = 50) -> int:
        """Enrich up to `limit` stories in state 'new'; return how many were done."""
        now = now or self.clock()
        rows = await self.store.read(pending_enrichment, limit)
        if not rows:
            return 0
        recent = await self.store.read(recent_signatures, now - DUPLICATE_WINDOW)
        pages = await asyncio.gather(*(self.fetch_page(row["url"]) for row in rows))
        for row, page in zip(rows, pages, strict=True):
            await self._enrich_one(row, page, recent, now)
        return len(rows)

    async def fetch_page(self, url: str) -> str | None:
        """The HTML of a story's page, or None when pages are off or the fetch fails."""
        if not self.config.fetch.fetch_pages or not url.startswith(("http://", "https://")):
            return None
        try:
            result = await self.fetcher.fetch(url, accept=HTML_ACCEPT)
        except FetchError as exc:
            log.info("story page %s not fetched: %s", url, exc)
            return None
        content_type = result.headers.get("content-type", "text/html")
        if "html" not in content_type and "xml" not in content_type:
            return None
        return decode_html(result.body, content_type)

    async def _enrich_one(
        self, row: dict[str, Any], page: str | None, recent: list[tuple[int, str]], now: datetime
    ) -> None:
        try:
            done = await asyncio.to_thread(enrich_story, row, page, self.config.summary)
        except Exception:  # a bug in one story's text must not block the others
            log.exception("enriching story %s failed; using its teaser", row["id"])
            teaser = row["teaser"] or ""
            done = Enrichment(teaser, "", "", "", "", search_text(row["title"], "", teaser), "")
        original = find_original(done.signature, recent, row["id"])
        await self.store.write(
            save_enrichment,
            row["id"],
            now,
            text=done.text,
            summary=done.summary,
            keywords=done.keywords,
            language=done.language,
            signature=done.signature,
            search_doc=done.search_doc,
            duplicate_of=original,
        )
        if original is None and done.signature:
            recent.append((row["id"], done.signature))
