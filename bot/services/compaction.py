"""Drop the full text of old stories, a batch at a time (the hourly compaction job).

Title, summary, keywords and the duplicate signature stay, so the database stops growing with
every article's text while /latest, digests and duplicate detection work as before.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.config import StorageConfig
from bot.store.engine import Store
from bot.store.stories import compact_stories

log = logging.getLogger(__name__)

BATCH = 500
BATCHES = 20  # at most 10,000 stories an hour, in short write transactions


class Compactor:
    """Compacts stories first seen more than `storage.keep_text_days` ago."""

    def __init__(self, store: Store, config: StorageConfig) -> None:
        self.store = store
        self.config = config

    async def run(self, now: datetime) -> int:
        """Compact up to `BATCHES` batches; how many stories lost their text."""
        before = now - timedelta(days=self.config.keep_text_days)
        total = 0
        for _ in range(BATCHES):
            done = await self.store.write(compact_stories, before, now, BATCH)
            total += done
            if done < BATCH:
                break
        if total:
            log.info("dropped the full text of %d stories first seen before %s", total, before)
        return total
