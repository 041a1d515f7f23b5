"""What the worker processes run, in a module that is light to import on both sides.

A task reaches a worker as a pickled reference to its function, which the worker unpickles by
importing the function's module. Kept here, apart from `bot.services.enrich` (the store,
SQLAlchemy), the workers and their fork server load only the text stack they use (about
18 MB less in the image they share); the event loop's process imports this module without
loading that stack, since each task imports `story_work` only when it runs.
"""

from __future__ import annotations

from bot.config import SummaryConfig
from bot.core.models import Enrichment, PendingStory


def enrich_in_worker(
    story: PendingStory, page_html: str | None, config: SummaryConfig
) -> Enrichment:
    """`story_work.enrich_story`, imported in the worker (the fork server preloaded it)."""
    from bot.services.story_work import enrich_story

    return enrich_story(story, page_html, config)


def warm_up_worker() -> None:
    """`story_work.warm_up` in a worker (quick where the fork server already loaded the models)."""
    from bot.services.story_work import warm_up

    warm_up()
