"""Composition: builds the Telegram Application and wires the adapters together.

Shared objects live in `application.bot_data` under these keys:

- `"config"`: the `Config`;
- `"store"`: the `Store` (closed in `post_shutdown`);
- `"fetcher"`: the `HttpFetcher` (opened in `post_init`, closed in `post_shutdown`), or None;
- `"service"`: the `bot.service.Service` the handlers call;
- `"pipeline"`: the poll/enrich/match/send services of `bot.schedule` (running bot only);
- `"health"`: the readiness endpoint's runner, when `[health] port` is set.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from typing import Any
from urllib.parse import urlsplit

from telegram import Bot, BotCommand
from telegram.ext import Application, ApplicationBuilder
from telegram.request import HTTPXRequest

from bot import texts
from bot.config import Config, require_token
from bot.schedule import register_jobs, start_pipeline, stop_pipeline
from bot.service import Service
from bot.store.engine import Store
from bot.store.feeds import sync_catalogue
from bot.store.sql import utcnow
from bot.tg_handlers import SERVICE, build_handlers, error_handler
from bot.tg_startup import wait_for_bot_api

log = logging.getLogger(__name__)

CONFIG, STORE, FETCHER = "config", "store", "fetcher"  # bot_data keys, see the docstring
HEALTH = "health"
POLL_TIMEOUT_S = 30  # getUpdates long-poll timeout


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
        from bot.health import start_health_server

        application.bot_data[HEALTH] = await start_health_server(
            config.health, application.bot_data[STORE]
        )
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
        {CONFIG: config, STORE: store, FETCHER: fetcher, SERVICE: Service(store, fetcher, config)}
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
    """Wait until the Bot API answers getMe with this token (see `bot.tg_startup`)."""
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
    from bot.http_fetch import HttpFetcher

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
