"""OPML in chat: import a file's feeds as a chat's subscriptions, export a chat's feeds.

Each outline goes through `Service.subscribe_feed`, as `/subscribe <url>` does (address guard,
a page's feed link followed, the feed limit), charged to the import's own fetch budget. One
outline that fails is reported and the others go on; the whole import has a time budget, and
what it did not reach is reported as not tried.

A title the file gives a feed is kept only when nothing names the feed yet (no title of its
own, no catalogue name): `feeds.title` is shared by every chat, and a chat's own name for a
feed would need a column on subscriptions that every view (pushes, digests, /feeds) reads.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from bot import texts
from bot.core.opml import Outline, parse_opml, render_opml
from bot.errors import AlreadySubscribedError, UserError
from bot.services.commands import Service
from bot.store import chats as chat_queries

log = logging.getLogger(__name__)

IMPORT_TIME_S = 120.0  # one file's whole import, fetches included


@dataclass
class ImportReport:
    """What an import did: counts, and each failed feed's URL with why (Telegram HTML)."""

    imported: int = 0
    existing: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        """How many feeds the file listed."""
        return self.imported + self.existing + len(self.failed)


async def import_opml(
    service: Service,
    chat_id: int,
    data: bytes,
    user_id: int | None = None,
    thread_id: int | None = None,
    *,
    time_budget_s: float = IMPORT_TIME_S,
) -> ImportReport:
    """Subscribe the chat to every feed of an OPML file; a `UserError` for a file that is
    not one (too big, not XML, a DTD, no feeds)."""
    outlines = parse_opml(data)
    if not outlines:
        raise UserError(texts.IMPORT_EMPTY)
    report = ImportReport()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + time_budget_s
    for outline in outlines:
        remaining = deadline - loop.time()
        if remaining <= 0:
            report.failed.append((outline.url, str(texts.WHY_OUT_OF_TIME)))
            continue
        try:
            async with asyncio.timeout(remaining):
                added = await _import_one(service, chat_id, outline, user_id, thread_id)
        except TimeoutError:
            report.failed.append((outline.url, str(texts.WHY_OUT_OF_TIME)))
        except UserError as exc:
            report.failed.append((outline.url, exc.reason or str(texts.WHY_OTHER)))
        else:
            report.imported += added
            report.existing += not added
    log.info(
        "chat %s imported %d feeds (%d already there, %d failed)",
        chat_id,
        report.imported,
        report.existing,
        len(report.failed),
    )
    return report


async def _import_one(
    service: Service, chat_id: int, outline: Outline, user_id: int | None, thread_id: int | None
) -> bool:
    """Subscribe to one outline's feed; False when the chat had it already."""
    try:
        feed_id, _ = await service.subscribe_feed(
            chat_id, outline.url, user_id, thread_id, limiter=service.import_limiter
        )
    except AlreadySubscribedError:
        return False
    if outline.title or outline.site_url:
        await service.store.write(
            chat_queries.name_unnamed_feed, feed_id, outline.title, outline.site_url
        )
    return True


async def export_opml(service: Service, chat_id: int) -> tuple[str, int]:
    """The chat's feeds as an OPML 2.0 document, with how many it lists."""
    rows = await service.store.read(chat_queries.list_subscriptions, chat_id)
    outlines = [Outline(r.url, r.display_name, r.site_url) for r in rows]
    return render_opml(outlines, title="digest-bot feeds"), len(outlines)
