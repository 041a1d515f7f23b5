"""Run a delivery `Dispatcher` in its own process, for crash and concurrency tests.

    python -m tests.support.sender_proc --db URL --base-url http://127.0.0.1:PORT/bot \
        [--global-per-s 100] [--stale-after-s 600] [--until-idle]

It matches ready stories and sends due deliveries through the Bot API at `--base-url` until
nothing is pending or sending (`--until-idle`) or until SIGTERM. It prints one line per round.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator

from telegram import Bot

from bot.clock import utcnow
from bot.config import DeliveryConfig, TelegramConfig
from bot.services.delivery import Dispatcher
from bot.store import deliveries as q
from bot.store.engine import Store
from bot.tg.request import bot_api_request
from bot.tg.sender import TelegramSender
from tests.support.tg_updates import BOT_TOKEN


@contextlib.asynccontextmanager
async def open_bot(base_url: str, token: str = BOT_TOKEN, pool: int = 64) -> AsyncIterator[Bot]:
    """A PTB `Bot` on the stand-in, on the request the running bot uses (`AiohttpRequest`),
    with a connection pool wide enough for paced sends."""
    config = TelegramConfig(api_url=base_url, request_timeout_s=10.0, connections=pool)
    bot = Bot(token, base_url=base_url, request=bot_api_request(config))
    async with bot:
        yield bot


async def run(args: argparse.Namespace) -> None:
    """Send until idle or until signalled."""
    config = DeliveryConfig(
        global_per_s=args.global_per_s,
        private_per_s=args.private_per_s,
        group_per_min=args.group_per_min,
        instant_window_s=0.0,
        retry_base_s=0.2,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    store = Store(args.db)
    try:
        async with open_bot(args.base_url) as bot:
            dispatcher = Dispatcher(
                store, TelegramSender(bot), config, stale_after_s=args.stale_after_s
            )
            while not stop.is_set():
                await dispatcher.match_ready(utcnow())
                report = await dispatcher.send_due(utcnow())
                print(f"round sent={report.sent} messages={report.messages}", flush=True)
                states = await store.read(q.count_states)
                if args.until_idle and not states.get("pending") and not states.get("sending"):
                    break
                await asyncio.sleep(0.1)
    finally:
        store.close()


def main(argv: list[str] | None = None) -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(prog="python -m tests.support.sender_proc")
    parser.add_argument("--db", required=True)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--global-per-s", type=float, default=100.0)
    parser.add_argument("--private-per-s", type=float, default=1.0)
    parser.add_argument("--group-per-min", type=float, default=20.0)
    parser.add_argument("--stale-after-s", type=float, default=600.0)
    parser.add_argument("--until-idle", action="store_true")
    asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
