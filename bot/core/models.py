"""Plain data that crosses the layers: made by the store, read by services and adapters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot import texts
from bot.core.render import escape


@dataclass(frozen=True)
class ChatSettings:
    """A chat's preferences, with the defaults a new chat gets."""

    chat_id: int
    kind: str = "private"
    title: str = ""
    active: bool = True
    summary_sentences: int = 3
    link_previews: bool = False
    digest_mode: str = "instant"
    digest_times: str = ""
    timezone: str = "UTC"
    added_by: int | None = None  # who made the bot a member or administrator (groups, channels)
    digest_length: int = 1  # 0: titles only, 1: a line per story, 2-5: that many sentences
    silent: bool = False  # instant pushes arrive without a notification sound
    quiet_hours: str = ""  # "23:00-07:00": instant stories held until its end; "" off
    mute: str = ""  # a topic query whose stories are never pushed here; "" none
    language: str = ""  # chosen with /language; "" follows the user's Telegram language
    user_language: str = ""  # that language as last seen (a private chat's pushes use it)


@dataclass(frozen=True)
class Feed:
    """A feed as the store keeps it: where it is, how it answered, when it is polled next."""

    id: int
    url: str
    title: str = ""
    site_url: str = ""
    name: str | None = None  # catalogue name; None for feeds a chat added
    label: str | None = None  # the catalogue's display title, when it gives one
    is_catalogue: bool = False
    is_default: bool = False
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    status: str = "new"  # new | ok | failing | dead
    last_polled_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    first_failure_at: datetime | None = None
    consecutive_failures: int = 0
    next_poll_at: datetime | None = None
    poll_interval_s: int | None = None  # None: the configured default
    min_next_poll_s: int | None = None  # lower bound from ttl, max-age, Retry-After
    dead_notified: bool = False
    items_seen: int = 0
    created_at: datetime | None = None
    page_url: str | None = None  # the web page it was given as, before it was resolved
    subscribers: int = 0  # filled by the listings that count them

    @property
    def display_name(self) -> str:
        """The name a chat sees: the catalogue's title for it, else the feed's own title, else
        its catalogue name, else its URL (`bot.store.feeds.display_name_sql` is the same rule in
        SQL)."""
        return self.label or self.title or self.name or self.url


@dataclass(frozen=True)
class PendingStory:
    """A story waiting for enrichment, as a claim hands it to the enricher (and its workers)."""

    id: int
    url: str | None
    title: str | None
    teaser: str | None
    text: str | None
    fetch_page: bool = True
    enrich_attempts: int = 0  # claims before this one
    claimed_at: datetime | None = None  # the lease this claim holds; saving is fenced by it


@dataclass(frozen=True)
class Enrichment:
    """What enrichment computed for one story (in a worker; sent back to the event loop)."""

    text: str
    summary: str
    keywords: str
    language: str
    signature: str
    search_doc: str
    source: str  # page | content | teaser


@dataclass(frozen=True)
class RemovedChat:
    """What removing the bot from a chat did: whether it was active, what it still awaited."""

    chat_id: int
    title: str = ""
    was_active: bool = False
    cancelled: int = 0  # pending deliveries cancelled, counted (not lost silently)
    added_by: int | None = None

    def owner_notice(self, title: str = "") -> str | None:
        """What to tell whoever added the bot, or None: only a group or channel that was
        active (so once, whichever noticed first: Telegram's update or a refused send)."""
        if not self.was_active or self.chat_id > 0 or self.added_by is None:
            return None
        shown = escape(self.title or title or str(self.chat_id))
        return texts.MANAGE_REMOVED.format(title=shown, count=self.cancelled)


@dataclass(frozen=True)
class ChatTarget:
    """The chat a command acts on: where it was sent, or the one managed from a private chat."""

    chat_id: int
    title: str = ""
    managed: bool = False  # True: a group or channel changed from its admin's private chat
    change: bool = False  # the command changes it (else it only shows it)
    kind: str = ""  # set when it was named by @username (it may not be in the store yet)


@dataclass(frozen=True)
class KeptSubscription:
    """A subscription as it was removed, to be put back exactly on undo."""

    feed_id: int
    created_at: datetime  # kept: stories that came in the meantime are still delivered
    thread_id: int | None = None


@dataclass(frozen=True)
class KeptTopic:
    """A followed topic as it was removed, to be put back exactly on undo."""

    query: str
    created_at: datetime
    thread_id: int | None = None


@dataclass(frozen=True)
class Removal:
    """What one confirmed removal took from a chat, and when."""

    chat_id: int
    at: datetime
    feeds: tuple[KeptSubscription, ...] = ()
    topics: tuple[KeptTopic, ...] = ()
