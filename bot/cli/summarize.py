"""`digest-bot summarize URL|FILE|- ...`: title, summary and keywords; no token, no database.

HTML (a page, fetched through the same guarded fetcher the bot uses, or a file) goes through
main-text extraction; plain text is summarised as it is, its first line taken as the title
when it reads like a headline.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from bot.config import MAX_SUMMARY_SENTENCES, Config
from bot.core.render import story_tags
from bot.core.text.extract import ExtractedArticle, extract_article, extract_text_article
from bot.core.text.keywords import extract_keywords
from bot.core.text.language import detect_language
from bot.core.text.summarise import summarise
from bot.errors import BotError, FetchError
from bot.net.fetcher import HttpFetcher
from bot.services.enrich import decode_html
from bot.services.ports import HTML_ACCEPT


@dataclass(frozen=True)
class SummaryReport:
    """What `summarize` prints for one input."""

    source: str
    title: str
    summary: tuple[str, ...]
    keywords: tuple[str, ...]
    language: str

    def as_json(self) -> str:
        """One JSON object, on one line."""
        return json.dumps(
            {
                "input": self.source,
                "title": self.title,
                "summary": " ".join(self.summary),
                "sentences": list(self.summary),
                "keywords": list(self.keywords),
                "language": self.language,
            },
            ensure_ascii=False,
        )

    def as_text(self) -> str:
        """Title, summary and tags, for a person."""
        lines = [self.title or "(untitled)", ""]
        lines += self.summary or ("(no summary: the text is too short)",)
        if self.keywords:
            lines += ["", " ".join(story_tags((), self.keywords))]
        return "\n".join(lines)


def _looks_like_html(text: str) -> bool:
    head = text.lstrip()[:1000].lower()
    return head.startswith("<") and ("<html" in head or "<!doctype" in head or "<body" in head)


def _article_of(text: str, url: str | None) -> ExtractedArticle:
    if _looks_like_html(text):
        return extract_article(text, url)
    return extract_text_article(text)


def summarise_article(
    article: ExtractedArticle, source: str, sentences: int, config: Config
) -> SummaryReport:
    """Summarise an extracted article with the configured lengths."""
    language = detect_language(f"{article.title}\n{article.text}")
    summary = summarise(
        article.text, article.title, sentences, config.summary.max_chars, language=language
    )
    keywords = extract_keywords(article.text, article.title, language, config.summary.keywords)
    return SummaryReport(source, article.title, summary.sentences, keywords, summary.language)


async def _fetch_pages(urls: list[str], config: Config) -> dict[str, str | FetchError]:
    pages: dict[str, str | FetchError] = {}
    async with HttpFetcher(config.fetch) as fetcher:
        for url in urls:
            try:
                result = await fetcher.fetch(url, accept=HTML_ACCEPT)
            except FetchError as exc:
                pages[url] = exc
                continue
            if result.status != 200:
                pages[url] = FetchError(f"HTTP {result.status}", status=result.status)
            else:
                pages[url] = decode_html(result.body, result.headers.get("content-type", ""))
    return pages


def _read_input(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    try:
        return Path(source).read_bytes().decode("utf-8", errors="replace")
    except OSError as exc:
        raise BotError(f"cannot read {source}: {exc.strerror}") from None


def summarize_command(args: argparse.Namespace, config: Config) -> int:
    """Print a summary for each input; exit 1 if any input failed."""
    sentences = config.summary.sentences if args.sentences is None else args.sentences
    if not 0 <= sentences <= MAX_SUMMARY_SENTENCES:
        raise BotError(f"--sentences must be between 0 and 5, not {sentences}")
    urls = [s for s in args.inputs if s.startswith(("http://", "https://"))]
    pages = asyncio.run(_fetch_pages(urls, config)) if urls else {}
    failed = 0
    for index, source in enumerate(args.inputs):
        try:
            page = pages[source] if source in pages else _read_input(source)
            if isinstance(page, FetchError):
                raise BotError(f"cannot fetch {source}: {page}")
            url = source if source in pages else None
            report = summarise_article(_article_of(page, url), source, sentences, config)
        except BotError as exc:
            print(f"digest-bot: {exc}", file=sys.stderr)
            failed += 1
            continue
        if args.json:
            print(report.as_json())
        else:
            print(("\n" if index else "") + report.as_text())
    return 1 if failed else 0
