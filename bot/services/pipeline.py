"""The long-lived services of a running bot, and the tasks that run two of them."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from bot.core.schedule import DigestSlot
from bot.services.delivery import Dispatcher
from bot.services.enrich import Enricher
from bot.services.polling import Poller


@dataclass
class Pipeline:
    """Poller (a job), enricher and sender (tasks of the Application), and their stop event."""

    poller: Poller
    enricher: Enricher
    dispatcher: Dispatcher
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    sender_task: asyncio.Task[None] | None = None
    enricher_task: asyncio.Task[None] | None = None
    slots: frozenset[DigestSlot] = frozenset()  # the digest times the jobs are set for
