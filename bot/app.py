"""Composition: builds the Telegram Application and wires the adapters together.

`build_application` makes one `Wiring` (config, store, fetcher; worker processes and health
endpoint once running) whose methods are the Application's life-cycle hooks, so nothing here
travels through `bot_data`; the handlers and jobs get what they share, typed, from
`bot.tg.context` (`context.service`, `context.pipeline`, `context.compactor`). With
`running=True` (what `digest-bot run` builds) the hooks also start and stop the pipeline and the
health endpoint; handler tests build it without.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Bot
from telegram.ext import ApplicationBuilder

from bot import __version__
from bot.clock import utcnow
from bot.config import Config, require_token
from bot.net.fetcher import HttpFetcher
from bot.net.metrics import PrometheusMetrics
from bot.proc.heap import freeze_long_lived
from bot.proc.workers import ProcessWorkers
from bot.services.commands import Service
from bot.services.compaction import Compactor
from bot.services.delivery import Dispatcher
from bot.services.enrich import Enricher
from bot.services.pipeline import Pipeline
from bot.services.polling import Poller
from bot.services.worker_tasks import warm_up_worker
from bot.store.engine import Store
from bot.store.feeds import sync_catalogue
from bot.store.stats import stats
from bot.tg.context import CONTEXT_TYPES, BotApplication
from bot.tg.handlers import build_handlers, error_handler
from bot.tg.jobs import register_jobs
from bot.tg.language import localised
from bot.tg.request import bot_api_request
from bot.tg.sender import TelegramSender
from bot.tg.startup import register_profile, wait_for_bot_api

log = logging.getLogger(__name__)

POLL_TIMEOUT_S = 30  # getUpdates long-poll timeout
ENRICHER_STOP_S = 5.0  # shutdown waits this long for the enricher to drop its stories
SENDER_STOP_S = 30.0  # and this long for the send in flight (a cut send could repeat)


def story_workers(config: Config) -> ProcessWorkers:
    """The worker processes for extraction and summaries, warmed up before their first story."""
    return ProcessWorkers(
        config.summary.workers,
        config.summary.story_timeout_s,
        warm_up=warm_up_worker,
        # the tasks' modules (the workers import them to unpickle a task), then the text stack:
        # loaded once in the fork server and shared, not each worker its own
        preload=("bot.services.worker_tasks", "bot.core.feeds", "bot.services.story_warm"),
    )


@dataclass
class Wiring:
    """What one Application is built from, and its life-cycle hooks."""

    config: Config
    store: Store
    fetcher: HttpFetcher | None
    receives_updates: bool = True  # False: a helper process (`run --no-updates`)
    workers: ProcessWorkers | None = None
    health: web.AppRunner | None = None
    metrics: PrometheusMetrics = field(default_factory=PrometheusMetrics)

    async def post_init(self, application: BotApplication) -> None:
        """Open the fetcher, sync the catalogue, register the command menus and descriptions."""
        if self.fetcher is not None:
            self.fetcher.open()
        await self.store.write(sync_catalogue, self.config.feeds, utcnow())
        if not self.receives_updates:  # the process that receives them sets the menus
            return
        await register_profile(
            application.bot, self.config.telegram.admins, self.config.telegram.default_language
        )

    async def post_init_running(self, application: BotApplication) -> None:
        """As `post_init`, then start the pipeline and the health endpoint."""
        await self.post_init(application)
        freeze_long_lived()  # start-up is done: full collections stop walking it
        self.start_pipeline(application)
        if self.config.health.port:
            from bot.net.health import start_health_server

            self.health = await start_health_server(
                self.config.health, self.counts, self.metrics, self.figures
            )
        log.info("digest-bot is running")

    async def figures(self) -> dict[str, int]:
        """The store's counts, for the gauges of /metrics."""
        return await self.store.read(stats)

    async def counts(self) -> dict[str, int]:
        """What /healthz shows (`bot.store.stats`, under the endpoint's names)."""
        figures = await self.store.read(stats)
        return {"feeds": figures["feeds"], "pending_deliveries": figures["pending"]}

    def start_pipeline(self, application: BotApplication) -> None:
        """Build the services, start the enricher and the sender."""
        if self.fetcher is None:
            raise RuntimeError("the running bot needs a fetcher")
        config, store = self.config, self.store
        dispatcher = Dispatcher(
            store,
            TelegramSender(application.bot),
            config.delivery,
            log_chat=config.telegram.log_chat,
            metrics=self.metrics,
            default_language=config.telegram.default_language,
        )
        dispatcher.notify(
            f"digest-bot {__version__} started, with {len(config.feeds)} catalogue feeds."
        )
        self.workers = story_workers(config)
        enricher = Enricher(store, self.fetcher, config, self.workers, metrics=self.metrics)
        poller = Poller(store, self.fetcher, config, workers=self.workers, metrics=self.metrics)
        pipeline = Pipeline(poller, enricher, dispatcher)
        pipeline.sender_task = asyncio.create_task(dispatcher.run_forever(pipeline.stop))
        pipeline.enricher_task = asyncio.create_task(enricher.run_forever(pipeline.stop))
        application.bot_data.pipeline = pipeline

    async def post_stop(self, application: BotApplication) -> None:
        """Stop the enricher, the worker processes and the sender, in that order; then health.

        Stories being enriched are handed back and enriched again later; the sender finishes
        the send in flight. Each stage is stopped even if another fails to stop.
        """
        pipeline = application.bot_data.pipeline
        if pipeline is not None:
            pipeline.stop.set()
            await _stop_stage("enricher", pipeline.enricher_task, ENRICHER_STOP_S)
            if self.workers is not None:
                try:
                    await asyncio.to_thread(self.workers.close)
                except Exception:
                    log.exception("stopping the worker processes failed")
            await _stop_stage("sender", pipeline.sender_task, SENDER_STOP_S)
            await _tell_log_chat(pipeline, "digest-bot is stopping.")
        if self.health is not None:
            await self.health.cleanup()
            self.health = None

    async def post_shutdown(self, application: BotApplication) -> None:
        """Close the fetcher and the store."""
        if self.fetcher is not None:
            await self.fetcher.close()
        self.store.close()


async def _tell_log_chat(pipeline: Pipeline, text: str) -> None:
    """One notice straight to the log chat (the sender has stopped); never raises."""
    dispatcher = pipeline.dispatcher
    if not dispatcher.log_chat:
        return
    try:
        async with asyncio.timeout(5):
            await dispatcher.sender.send(dispatcher.log_chat, text, link_preview=False)
    except Exception as exc:
        log.warning("could not tell the log chat: %s", exc)


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


def build_application(
    config: Config,
    store: Store,
    fetcher: HttpFetcher | None = None,
    *,
    token: str | None = None,
    running: bool = False,
    receives_updates: bool = True,
    clock: Callable[[], datetime] = utcnow,
) -> BotApplication:
    """The Application with every handler; `running` adds the pipeline and its jobs. Without
    `receives_updates` it has no Updater (see `run_without_updates`). The handlers' service
    reads the time from `clock` (tests pass one they move)."""
    wiring = Wiring(config, store, fetcher, receives_updates)
    builder = (
        ApplicationBuilder()
        .token(token or require_token(config))
        .base_url(config.telegram.api_url)
        .base_file_url(config.telegram.file_url)
        .context_types(CONTEXT_TYPES)
        .request(bot_api_request(config.telegram))  # aiohttp, not httpx: issue 19
        .post_init(wiring.post_init_running if running else wiring.post_init)
        .post_stop(wiring.post_stop)
        .post_shutdown(wiring.post_shutdown)
    )
    if receives_updates:
        builder = builder.get_updates_request(
            bot_api_request(config.telegram, long_poll_s=POLL_TIMEOUT_S)
        )
    else:
        builder = builder.updater(None)
    application = builder.build()
    application.bot_data.service = Service(store, fetcher, config, clock)
    application.bot_data.compactor = Compactor(store, config.storage)
    for group, handlers in build_handlers().items():
        application.add_handlers(handlers, group=group)
    application.add_error_handler(localised(error_handler))
    if running:
        register_jobs(application, config)
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
    request = bot_api_request(config.telegram)
    await request.initialize()
    try:
        me = await wait_for_bot_api(Bot(token, base_url=config.telegram.api_url, request=request))
    finally:
        await request.shutdown()
    log.info("connected to the Bot API as @%s", me.username)


async def run_without_updates(application: BotApplication) -> None:
    """Run the pipeline and jobs with no Updater until SIGTERM or SIGINT.

    What PTB's `run_polling` does around its Updater (post_init, start; on a signal stop,
    post_stop, shutdown, post_shutdown), for a process that shares a PostgreSQL store with the
    one that receives the updates: it polls, enriches, builds digests and sends, and the leases
    and `SKIP LOCKED` claims keep it from doing what another process does.
    """
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    await application.initialize()
    try:
        if application.post_init:
            await application.post_init(application)
        await application.start()
        await stopping.wait()
    finally:
        if application.running:
            await application.stop()
            if application.post_stop:
                await application.post_stop(application)
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)


def run_command(args: argparse.Namespace, config: Config) -> int:
    """`digest-bot run`: check the token, wait for Telegram, migrate the store, run the bot."""
    receives_updates = not getattr(args, "no_updates", False)
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
    application = build_application(
        config,
        store,
        HttpFetcher(config.fetch),
        token=token,
        running=True,
        receives_updates=receives_updates,
    )
    if not receives_updates:
        log.info("starting without updates: polling, enriching and sending only")
        loop.run_until_complete(run_without_updates(application))
        loop.close()
    elif config.telegram.webhook_url:
        log.info("starting in webhook mode on port %s", config.telegram.webhook_port)
        application.run_webhook(**webhook_options(config))
    else:
        log.info("starting in long-polling mode")
        application.run_polling(timeout=POLL_TIMEOUT_S)
    return 0
