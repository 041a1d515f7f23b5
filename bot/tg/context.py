"""Typed shared state for the handlers and jobs: PTB's `ContextTypes` (as in its
`contexttypesbot.py` example) instead of string keys in `bot_data`.

`build_application` fills `BotData` (the service and the compactor); the running bot adds the
pipeline when it starts. Handlers and jobs read them as `context.service`, `context.pipeline`
and `context.compactor`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot, JobQueue

from bot.core.models import ChatTarget
from bot.core.recent import Recent
from bot.services.commands import Service
from bot.services.compaction import Compactor
from bot.services.pipeline import Pipeline


@dataclass
class BotData:
    """What every handler and job of one bot shares."""

    service: Service | None = None
    compactor: Compactor | None = None
    pipeline: Pipeline | None = None  # the running bot only
    # Bounded (a bot in 100,000 chats must not keep one entry per chat it ever saw):
    seen_chats: Recent[int, str] = field(default_factory=Recent)  # chat id → title last stored
    refused_users: Recent[int, None] = field(default_factory=Recent)  # told: private instance
    # (chat, user) whose next document is an OPML file to import: after /import, until the
    # file comes (in memory: a restart forgets it, and the user sends /import again)
    import_waiting: Recent[tuple[int, int | None], None] = field(default_factory=Recent)


class CustomContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """The context handlers and jobs get, with the shared services typed."""

    # The chat this update's handler acts on, once `bot.tg.manage.acts_on_chat` resolved it.
    target: ChatTarget | None = None

    @property
    def service(self) -> Service:
        """The use cases the handlers call."""
        if self.bot_data.service is None:
            raise RuntimeError("the application was built without its service")
        return self.bot_data.service

    @property
    def pipeline(self) -> Pipeline:
        """Poller, enricher and sender of the running bot."""
        if self.bot_data.pipeline is None:
            raise RuntimeError("the pipeline runs only in the running bot")
        return self.bot_data.pipeline

    @property
    def compactor(self) -> Compactor:
        """What the hourly compaction job runs."""
        if self.bot_data.compactor is None:
            raise RuntimeError("the application was built without its compactor")
        return self.bot_data.compactor


CONTEXT_TYPES = ContextTypes(context=CustomContext, bot_data=BotData)

BotApplication = Application[
    ExtBot[None],
    CustomContext,
    dict[Any, Any],
    dict[Any, Any],
    BotData,
    JobQueue[Any],  # ApplicationBuilder.context_types does not retype the JobQueue
]
