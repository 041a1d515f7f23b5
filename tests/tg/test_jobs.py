"""The JobQueue jobs of `bot.tg.jobs`, on a real Application and store (no network)."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, insert, select

from bot.app import build_application
from bot.clock import utcnow
from bot.config import Config, StorageConfig, TelegramConfig
from bot.net.fetcher import HttpFetcher
from bot.proc.workers import ProcessWorkers
from bot.services.delivery import Dispatcher
from bot.services.enrich import Enricher
from bot.services.pipeline import Pipeline
from bot.services.polling import Poller
from bot.store.engine import Store
from bot.store.feeds import add_feed
from bot.store.schema import stories
from bot.tg.context import CustomContext
from bot.tg.jobs import compact_job, poll_job, register_jobs, store_gated
from bot.tg.sender import TelegramSender
from tests.support.bot_process import free_port
from tests.support.feed_server import FeedServer
from tests.support.tg_api import BotApiStandIn
from tests.support.tg_bot import running_bot
from tests.support.tg_updates import BOT_TOKEN


def _config(db_url: str, keep_text_days: int) -> Config:
    return Config(
        telegram=TelegramConfig(token=BOT_TOKEN, api_url="http://127.0.0.1:9/bot"),
        storage=StorageConfig(url=db_url, keep_text_days=keep_text_days),
    )


@pytest.mark.parametrize(("days", "registered"), [(14, True), (0, False)])
def test_compact_job_is_registered_unless_text_is_kept_forever(
    tmp_path: Path, days: int, registered: bool
) -> None:
    config = _config(f"sqlite:///{tmp_path}/bot.sqlite3", days)
    store = Store(config.storage.url)
    application = build_application(config, store)
    register_jobs(application, config)
    assert application.job_queue is not None
    names = {job.name for job in application.job_queue.jobs()}
    assert {"poll", "digests"} <= names
    assert ("compact" in names) is registered
    store.close()


async def test_compact_job_drops_old_text_in_batches(db_url: str) -> None:
    config = _config(db_url, 14)
    store = Store(db_url)
    store.upgrade()
    now = utcnow()

    def seed(conn: Connection) -> None:
        for n in range(1200):  # more than two batches
            age = timedelta(days=30 if n < 1100 else 1)
            conn.execute(
                insert(stories).values(
                    key=f"s{n}",
                    title=f"Story {n}",
                    text="Long text of the story.",
                    search_doc="story long text",
                    state="matched",
                    created_at=now - age,
                    updated_at=now - age,
                )
            )

    store.write_sync(seed)
    application = build_application(config, store)
    await compact_job(CustomContext(application))
    texts = store.read_sync(
        lambda conn: [r.text for r in conn.execute(select(stories.c.text).order_by(stories.c.id))]
    )
    assert texts[:1100] == [""] * 1100
    assert set(texts[1100:]) == {"Long text of the story."}
    store.close()


async def test_a_job_whose_database_is_down_logs_one_line_then_backs_off(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Ten ticks of a job while the database is unreachable: one line, then skipped ticks."""
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/test"
    store = Store(url)
    application = build_application(_config(url, 14), store)
    job = store_gated(compact_job.__wrapped__)  # a fresh gate, as each job has its own
    with caplog.at_level(logging.INFO, logger="bot.tg.jobs"):
        for _ in range(10):
            await job(CustomContext(application))
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.tg.jobs"]
    assert len(lines) == 1, lines
    assert lines[0].startswith("compact_job: the database test at 127.0.0.1:")
    assert "is unreachable: Connection refused" in lines[0]
    assert lines[0].endswith("trying again in 1 s")
    assert all(r.exc_info is None for r in caplog.records)
    store.close()


async def test_the_log_chat_hears_of_a_dead_feed(
    api: BotApiStandIn, feed_server: FeedServer, tmp_path: Path, workers: ProcessWorkers
) -> None:
    log_chat = 4711
    feed_server.add("/gone.xml", "gone", status=410)
    async with running_bot(api, feed_server, tmp_path, log_chat=log_chat) as bot:
        url = feed_server.url_for("/gone.xml")
        bot.store.write_sync(add_feed, url, utcnow(), name="Gone")
        config = bot.config
        dispatcher = Dispatcher(
            bot.store, TelegramSender(bot.app.bot), config.delivery, log_chat=log_chat
        )
        async with HttpFetcher(config.fetch) as fetcher:
            poller = Poller(bot.store, fetcher, config)
            enricher = Enricher(bot.store, fetcher, config, workers)
            bot.app.bot_data.pipeline = Pipeline(poller, enricher, dispatcher)
            await poll_job(CustomContext(bot.app))
        await dispatcher.send_due(utcnow())
    [notice] = api.sent_messages(log_chat)
    assert notice["plain_text"] == f"The feed {url} is dead: HTTP 410"
