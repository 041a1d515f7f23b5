"""What the services need from the outside, as protocols and plain data (adapters implement them).

`bot.net.fetcher.HttpFetcher` is a `Fetcher`, `bot.proc.workers.ProcessWorkers` is `Workers`,
`bot.tg.sender.TelegramSender` is a `Sender` (and answers with `SendOutcome`s, so the
dispatcher never sees a Telegram exception).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar

T = TypeVar("T")

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
HTML_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one fetch returned (after redirects)."""

    url: str
    status: int
    body: bytes
    headers: Mapping[str, str]
    etag: str | None
    last_modified: str | None
    permanent_url: str | None
    not_modified: bool
    retry_after_s: float | None
    max_age_s: int | None


class Fetcher(Protocol):
    """GETs a URL politely and safely; `FetchError` (a sentence) when it cannot."""

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = FEED_ACCEPT,
    ) -> FetchResult:
        """GET `url`, following redirects, conditional on the validators given."""
        ...


class Workers(Protocol):
    """Where CPU-bound work runs, each task with a time budget."""

    async def run(self, fn: Callable[..., T], *args: Any, timeout_s: float | None = None) -> T:
        """`fn(*args)` elsewhere; `WorkError` when it runs out of time or its worker dies."""
        ...


@dataclass(frozen=True)
class SendOutcome:
    """What happened to one message."""

    # thread_gone: the forum topic was closed or deleted (the chat's General takes it)
    status: Literal["sent", "retry", "blocked", "migrated", "failed", "thread_gone"]
    message_id: int | None = None
    retry_after_s: float | None = None  # set for 429s; None means "use the backoff"
    new_chat_id: int | None = None
    error: str = ""
    plain_text: bool = False


class Sender(Protocol):
    """Sends one message (`bot.tg.sender.TelegramSender`)."""

    async def send(
        self,
        chat_id: int,
        html_text: str,
        *,
        link_preview: bool,
        thread_id: int | None = None,
        silent: bool = False,
        expandable: bool = False,
    ) -> SendOutcome:
        """Send `html_text` to `chat_id` (in forum topic `thread_id`; without a sound when
        `silent`; with a button to its full summaries when it is an `expandable` digest) and
        say what happened."""


class Metrics(Protocol):
    """Where the services report what they did (`bot.net.metrics.PrometheusMetrics`)."""

    def count(self, name: str, value: float = 1.0) -> None:
        """Add `value` to the counter `name` (sent, retried, failed, cancelled, floods)."""

    def observe(self, name: str, seconds: float) -> None:
        """Record one duration of `name` (poll: one feed, enrich: one story)."""


class NoMetrics:
    """Metrics that go nowhere: the default, for the CLI and the tests."""

    def count(self, name: str, value: float = 1.0) -> None:
        """Ignore the count."""

    def observe(self, name: str, seconds: float) -> None:
        """Ignore the duration."""
