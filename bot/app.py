"""Composition: builds the Telegram Application and wires the adapters together.

Shared objects live in `application.bot_data` under these keys:

- `"config"`: the `Config`;
- `"store"`: the `Store` (closed in `post_shutdown`);
- `"fetcher"`: the `HttpFetcher` (opened in `post_init`, closed in `post_shutdown`), or None;
- `"service"`: the `bot.services.commands.Service` the handlers call;
- `"compactor"`: the `Compactor` the hourly job runs;
- `"pipeline"`: the poll/enrich/send services the jobs use (`bot.services.pipeline`; running
  bot only), and `"workers"`: the worker processes behind them;
- `"health"`: the readiness endpoint's runner, when `[health] port` is set.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
from typing import Any
from urllib.parse import urlsplit

from telegram import Bot, BotCommand
from telegram.ext import Application, ApplicationBuilder
from telegram.request import HTTPXRequest

from bot import texts
from bot.clock import utcnow
from bot.config import Config, require_token
from bot.net.fetcher import HttpFetcher
from bot.proc.workers import ProcessWorkers
from bot.services.commands import Service
from bot.services.compaction import Compactor
from bot.services.delivery import Dispatcher
from bot.services.enrich import Enricher, warm_up
from bot.services.pipeline import Pipeline
from bot.services.polling import Poller
from bot.store.engine import Store
from bot.store.feeds import sync_catalogue
from bot.store.stats import stats
from bot.tg.handlers import SERVICE, build_handlers, error_handler
from bot.tg.jobs import COMPACTOR, PIPELINE, register_jobs
from bot.tg.sender import TelegramSender
from bot.tg.startup import wait_for_bot_api

log = logging.getLogger(__name__)

CONFIG, STORE, FETCHER = "config", "store", "fetcher"  # bot_data keys, see the docstring
HEALTH, WORKERS = "health", "workers"
POLL_TIMEOUT_S = 30  # getUpdates long-poll timeout
ENRICHER_STOP_S = 5.0  # shutdown waits this long for the enricher to drop its stories
SENDER_STOP_S = 30.0  # and this long for the send in flight (a cut send could repeat)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def story_workers(config: Config) -> ProcessWorkers:
    """The worker processes for extraction and summaries, warmed up before their first story."""
    return ProcessWorkers(
        config.summary.workers,
        config.summary.story_timeout_s,
        warm_up=warm_up,
        preload=("bot.services.enrich",),
    )


async def start_pipeline(application: AnyApplication) -> None:
    """Build the services, start the enricher and the sender (call from `post_init`)."""
    config: Config = application.bot_data[CONFIG]
    store: Store = application.bot_data[STORE]
    fetcher: HttpFetcher = application.bot_data[FETCHER]
    dispatcher = Dispatcher(store, TelegramSender(application.bot), config.delivery)
    workers = story_workers(config)
    enricher = Enricher(store, fetcher, config, workers)
    poller = Poller(store, fetcher, config, workers=workers)
    pipeline = Pipeline(poller, enricher, dispatcher)
    pipeline.sender_task = asyncio.create_task(dispatcher.run_forever(pipeline.stop))
    pipeline.enricher_task = asyncio.create_task(enricher.run_forever(pipeline.stop))
    application.bot_data[PIPELINE] = pipeline
    application.bot_data[WORKERS] = workers


async def stop_pipeline(application: AnyApplication) -> None:
    """Stop the enricher, the worker processes and the sender, in that order (`post_stop`).

    Stories being enriched are handed back and enriched again later; the sender finishes the
    send in flight. Each stage is stopped even if another fails to stop.
    """
    pipeline: Pipeline | None = application.bot_data.get(PIPELINE)
    if pipeline is None:
        return
    pipeline.stop.set()
    await _stop_stage("enricher", pipeline.enricher_task, ENRICHER_STOP_S)
    workers: ProcessWorkers = application.bot_data[WORKERS]
    try:
        await asyncio.to_thread(workers.close)
    except Exception:
        log.exception("stopping the worker processes failed")
    await _stop_stage("sender", pipeline.sender_task, SENDER_STOP_S)


async def _stop_stage(name: str, task: asyncio.Task[None] | None, within_s: float) -> None:
    if task is None:
        return
    try:
        await asyncio.wait_for(asyncio.shield(task), within_s)
    except TimeoutError:
        log.warning("the %s did not stop within %g s; cancelling it", name, within_s)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    except Exception:
        log.exception("the %s failed while stopping", name)


def bot_commands() -> list[BotCommand]:
    """The command menu registered with setMyCommands."""
    return [BotCommand(name, description) for name, description in texts.COMMANDS]


async def _post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    fetcher = application.bot_data.get(FETCHER)
    if fetcher is not None and hasattr(fetcher, "open"):
        fetcher.open()
    config: Config = application.bot_data[CONFIG]
    store: Store = application.bot_data[STORE]
    await store.write(sync_catalogue, config.feeds, utcnow())
    await application.bot.set_my_commands(bot_commands())


async def _post_shutdown(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    fetcher = application.bot_data.get(FETCHER)
    if fetcher is not None and hasattr(fetcher, "close"):
        await fetcher.close()
    store = application.bot_data.get(STORE)
    if store is not None:
        store.close()


async def _post_init_running(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    await _post_init(application)
    await start_pipeline(application)
    config: Config = application.bot_data[CONFIG]
    if config.health.port:
        from bot.net.health import start_health_server

        store: Store = application.bot_data[STORE]

        async def counts() -> dict[str, int]:
            figures = await store.read(stats)
            return {"feeds": figures["feeds"], "pending_deliveries": figures["pending"]}

        application.bot_data[HEALTH] = await start_health_server(config.health, counts)
    log.info("digest-bot is running")


async def _post_stop(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    await stop_pipeline(application)
    runner = application.bot_data.pop(HEALTH, None)
    if runner is not None:
        await runner.cleanup()


def build_application(
    config: Config, store: Store, fetcher: Any | None = None, *, token: str | None = None
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The Application with every handler; the store and fetcher in `bot_data`."""
    timeout = config.telegram.request_timeout_s
    application = (
        ApplicationBuilder()
        .token(token or require_token(config))
        .base_url(config.telegram.api_url)
        .connect_timeout(timeout)
        .read_timeout(timeout)
        .write_timeout(timeout)
        .get_updates_read_timeout(POLL_TIMEOUT_S + timeout)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    application.bot_data.update(
        {
            CONFIG: config,
            STORE: store,
            FETCHER: fetcher,
            SERVICE: Service(store, fetcher, config),
            COMPACTOR: Compactor(store, config.storage),
        }
    )
    for group, handlers in build_handlers().items():
        application.add_handlers(handlers, group=group)
    application.add_error_handler(error_handler)
    return application


def webhook_options(
    config: Config,
    listen: str = "0.0.0.0",  # noqa: S104 - the platform routes HTTPS to this port
) -> dict[str, Any]:
    """Keyword arguments for `run_webhook` / `Updater.start_webhook` from the config."""
    webhook_url = config.telegram.webhook_url
    return {
        "listen": listen,
        "port": config.telegram.webhook_port,
        "url_path": urlsplit(webhook_url).path.lstrip("/"),
        "webhook_url": webhook_url,
        "secret_token": config.telegram.webhook_secret or None,
    }


async def _reach_bot_api(config: Config, token: str) -> None:
    """Wait until the Bot API answers getMe with this token (see `bot.tg.startup`)."""
    timeout = config.telegram.request_timeout_s
    request = HTTPXRequest(connect_timeout=timeout, read_timeout=timeout)
    await request.initialize()
    try:
        me = await wait_for_bot_api(Bot(token, base_url=config.telegram.api_url, request=request))
    finally:
        await request.shutdown()
    log.info("connected to the Bot API as @%s", me.username)


def run_command(args: argparse.Namespace, config: Config) -> int:
    """`digest-bot run`: check the token, wait for Telegram, migrate the store, run the bot."""
    token = require_token(config)
    # One loop for the wait and for PTB's run_* (which takes the current loop).
    asyncio.set_event_loop(loop := asyncio.new_event_loop())
    loop.run_until_complete(_reach_bot_api(config, token))
    store = Store(config.storage.url)
    try:
        store.upgrade()
    except BaseException:
        store.close()
        raise
    application = build_application(config, store, HttpFetcher(config.fetch), token=token)
    # The running bot also polls, sends and serves health; handler tests build it without.
    application.post_init = _post_init_running
    application.post_stop = _post_stop
    register_jobs(application, config)
    if config.telegram.webhook_url:
        log.info("starting in webhook mode on port %s", config.telegram.webhook_port)
        application.run_webhook(**webhook_options(config))
    else:
        log.info("starting in long-polling mode")
        application.run_polling(timeout=POLL_TIMEOUT_S)
    return 0
