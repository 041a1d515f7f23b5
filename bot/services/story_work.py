"""The CPU-bound part of a story's enrichment, run in the worker processes.

Extraction, language, summary, keywords, near-duplicate signature and search document of one
story: pure functions of the story and its page. This module imports the whole text stack, so
only workers (and tools that work in one process) import it; the event loop's process reaches
it through `bot.services.worker_tasks`.
"""

from __future__ import annotations

from bot.config import SummaryConfig
from bot.core.models import Enrichment, PendingStory
from bot.core.text.extract import clean_story_text, extract_article
from bot.core.text.keywords import extract_keywords, join_keywords
from bot.core.text.language import detect_language
from bot.core.text.neardup import text_signature
from bot.core.text.summarise import MAX_SENTENCES, summarise
from bot.core.text.summary_text import store_summary
from bot.core.textnorm import search_text

MIN_PAGE_CHARS = 300  # less than this from a page means extraction failed
MIN_SIGNATURE_WORDS = 50  # shorter texts give signatures too weak to call duplicates


def choose_text(page_text: str, content: str, teaser: str) -> tuple[str, str]:
    """The story text and where it came from: the page, else the feed's content, else teaser."""
    if len(page_text) >= MIN_PAGE_CHARS:
        return page_text, "page"
    candidates = [(content, "content"), (teaser, "teaser"), (page_text, "page")]
    for text, source in candidates[:2]:
        if len(text) >= MIN_PAGE_CHARS:
            return text, source
    return max(candidates, key=lambda c: len(c[0]))


_warm = False  # True once this process (or the fork server it came from) has warmed up


def warm_up() -> None:
    """Load the models a worker needs before it takes its first story (off its budget).

    Once per process: a worker forked from a warm fork server skips it, so it neither spends
    the time again nor copies the pages it shares with the server.
    """
    global _warm
    if _warm:
        return
    sample = "<html><body><article><p>" + "The council met. " * 40 + "</p></article></body>"
    story = PendingStory(0, "https://example.org/a", "Warm-up", "", "")
    enrich_story(story, sample + "</html>", SummaryConfig())
    _warm = True


def enrich_story(story: PendingStory, page_html: str | None, config: SummaryConfig) -> Enrichment:
    """Compute text, summary, keywords, language, signature and search doc (CPU-bound).

    Every step bounds its own input (see `extract`, `summarise`, `keywords` and `neardup` in
    `bot.core.text`, and `bot.core.textnorm`), so the cost is linear in a bounded input.
    """
    page_text = extract_article(page_html, story.url or None).text if page_html else ""
    text, source = choose_text(page_text, clean_story_text(story.text or ""), story.teaser or "")
    title = story.title or ""
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
        keywords=join_keywords(keywords),
        language=summary.language or language,
        signature=text_signature(text) if words >= MIN_SIGNATURE_WORDS else "",
        search_doc=search_text(title, keywords, text),
        source=source,
    )
