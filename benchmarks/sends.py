"""Benchmark: CPU per message of the Bot API client, against the stand-in without flood limits.

    .venv/bin/python -m benchmarks.sends [--messages 1000] [--concurrency 30] [--repeats 3]
        [--sender-rate 500] [--paced-messages 150] [--profile NAME]

The stand-in (`tests.support.tg_api`) runs in its own process, so its CPU is not counted. Each
client sends `--messages` sendMessage calls (one per chat, the HTML of a one-story message with
its link preview off) with `--concurrency` sends in flight, as the sender has when Telegram is
slow to answer. Measured in this process: CPU seconds (`time.process_time()`, all threads)
divided by messages, and messages per second (wall). Clients, each run `--repeats` times in
turn (the machine is shared and noisy: the median is printed):

- bare: a plain aiohttp POST loop of the same sendMessage JSON (the floor for any client);
- ptb-httpx-256: PTB's `Bot` through `TelegramSender`, with the request settings the bot had
  before issue 19 (`ApplicationBuilder` defaults: `HTTPXRequest`, 256 connections);
- ptb-httpx-N: the same with a right-sized httpx pool (N = concurrency, keep-alive N);
- ptb-aiohttp: PTB's `Bot` on `bot.tg.request.AiohttpRequest`, as the bot builds it from its
  config (`bot_api_request`: `[telegram] connections`, 256 by default).

At a steady 30 messages/s each message costs more than back to back (the process sleeps
between sends and wakes cold: a bare loop roughly doubles here), so `bare-30/s` is the bare
loop starting one send every 1/30 s, the baseline for `sender-30/s`.

Then the whole sender, `bot.services.delivery.Dispatcher` on a SQLite file with the bot's
client (claim, compose, pace, send, record each outcome), for one story to `--messages` chats
at `--sender-rate` messages/s, and to `--paced-messages` chats at Telegram's 30/s: CPU per
message, the store's worker threads included.

`--profile NAME` runs that client once more under cProfile and prints its top functions. The
last line is `RESULT ...`.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
import httpx
from telegram import Bot
from telegram.ext import ApplicationBuilder
from telegram.request import HTTPXRequest

from bot.clock import utcnow
from bot.config import DeliveryConfig, TelegramConfig
from bot.core.digest import DigestEntry, compose_instant
from bot.core.render import StoryView
from bot.services.delivery import Dispatcher
from bot.store.engine import Store
from bot.tg.request import bot_api_request
from bot.tg.sender import TelegramSender
from tests.support.delivery_data import seed_fanout
from tests.support.tg_api import StandInControl
from tests.support.tg_updates import BOT_TOKEN

TIMEOUT_S = TelegramConfig().request_timeout_s
FIRST_CHAT = 1_000_000

Sends = Callable[[list[int]], Awaitable[None]]


@dataclass
class Figures:
    """One run of one client."""

    cpu_s: float
    wall_s: float
    messages: int

    @property
    def ms_per_message(self) -> float:
        """CPU milliseconds per message."""
        return 1000 * self.cpu_s / self.messages

    @property
    def rate(self) -> float:
        """Messages per second (wall)."""
        return self.messages / self.wall_s


def start_standin() -> tuple[subprocess.Popen[str], str]:
    """The stand-in in its own process, no flood limits; returns it and its base_url."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.tg_api", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # its counts on exit
        text=True,
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def sample_text() -> str:
    """The HTML of a one-story instant message."""
    story = StoryView(id=1, title="Story s0", url="https://example.org/s0", sources=("Wire",))
    now = datetime.now(UTC)
    return compose_instant([DigestEntry(story, "Wire")], now=now, tz=UTC, sentences=3)[0][0]


async def in_flight(
    chats: list[int], concurrency: int, send: Callable[[int], Awaitable[None]]
) -> None:
    """Send to every chat with `concurrency` sends in flight."""
    queue = iter(chats)

    async def worker() -> None:
        for chat_id in queue:
            await send(chat_id)

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def paced(
    chats: list[int], rate: float, send: Callable[[int], Coroutine[Any, Any, None]]
) -> None:
    """Start one send every 1/`rate` seconds, as the sender's pacing does."""
    loop = asyncio.get_running_loop()
    start, tasks = loop.time(), list[asyncio.Task[None]]()
    for i, chat_id in enumerate(chats):
        await asyncio.sleep(max(0.0, start + i / rate - loop.time()))
        tasks.append(asyncio.create_task(send(chat_id)))
    await asyncio.gather(*tasks)


def bare_sends(
    base_url: str, text: str, concurrency: int, rate: float = 0.0
) -> Callable[[], Awaitable[Sends]]:
    """A plain aiohttp loop: build the JSON, POST it, parse the answer; `concurrency` in
    flight, or with `rate`, one started every 1/`rate` seconds."""

    async def opened() -> Sends:
        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency))
        url = f"{base_url}{BOT_TOKEN}/sendMessage"

        async def send(chat_id: int) -> None:
            body = {
                "chat_id": chat_id,
                "text": text,
                "parse_mode": "HTML",
                "link_preview_options": {"is_disabled": True},
            }
            async with session.post(url, json=body) as response:
                answer = json.loads(await response.read())
            if not answer["ok"]:
                raise RuntimeError(answer)

        async def sends(chats: list[int]) -> None:
            try:
                if rate:
                    await paced(chats, rate, send)
                else:
                    await in_flight(chats, concurrency, send)
            finally:
                await session.close()

        return sends

    return opened


def ptb_sends(
    make_bot: Callable[[], Bot], text: str, concurrency: int
) -> Callable[[], Awaitable[Sends]]:
    """PTB's `Bot` through our `TelegramSender`, as the delivery service sends."""

    async def opened() -> Sends:
        bot = make_bot()
        await bot.initialize()  # getMe, outside the measurement
        sender = TelegramSender(bot)

        async def send(chat_id: int) -> None:
            outcome = await sender.send(chat_id, text, link_preview=False)
            if outcome.status != "sent":
                raise RuntimeError(outcome)

        async def sends(chats: list[int]) -> None:
            try:
                await in_flight(chats, concurrency, send)
            finally:
                await bot.shutdown()

        return sends

    return opened


def httpx_256_bot(base_url: str) -> Bot:
    """The Bot as `build_application` built it before issue 19 (builder defaults)."""
    builder = ApplicationBuilder().token(BOT_TOKEN).base_url(base_url)
    builder = builder.connect_timeout(TIMEOUT_S).read_timeout(TIMEOUT_S).write_timeout(TIMEOUT_S)
    return builder.build().bot


def httpx_sized_bot(base_url: str, size: int) -> Bot:
    """The Bot on an httpx pool of `size` connections, all kept alive."""
    request = HTTPXRequest(
        connection_pool_size=size,
        connect_timeout=TIMEOUT_S,
        read_timeout=TIMEOUT_S,
        write_timeout=TIMEOUT_S,
        httpx_kwargs={
            "limits": httpx.Limits(max_connections=size, max_keepalive_connections=size)
        },
    )
    return Bot(BOT_TOKEN, base_url=base_url, request=request)


def aiohttp_bot(base_url: str) -> Bot:
    """The Bot on `AiohttpRequest`, with the request the bot builds from its config."""
    config = TelegramConfig(api_url=base_url)
    return Bot(BOT_TOKEN, base_url=base_url, request=bot_api_request(config))


def clients(
    base_url: str, text: str, concurrency: int
) -> dict[str, Callable[[], Awaitable[Sends]]]:
    """Every client, by name."""
    c = concurrency
    return {
        "bare": bare_sends(base_url, text, c),
        "ptb-httpx-256": ptb_sends(lambda: httpx_256_bot(base_url), text, c),
        f"ptb-httpx-{c}": ptb_sends(lambda: httpx_sized_bot(base_url, c), text, c),
        "ptb-aiohttp": ptb_sends(lambda: aiohttp_bot(base_url), text, c),
    }


async def measure(opened: Callable[[], Awaitable[Sends]], chats: list[int]) -> Figures:
    """Open the client, then time its sends (CPU and wall)."""
    sends = await opened()
    cpu, wall = time.process_time(), time.perf_counter()
    await sends(chats)
    return Figures(time.process_time() - cpu, time.perf_counter() - wall, len(chats))


def sender_sends(base_url: str, rate: float, chats: list[int]) -> Callable[[], Awaitable[Sends]]:
    """The delivery service sending one story to each of `chats` at `rate` messages/s; the
    store is made, seeded and matched before the measurement."""

    async def opened() -> Sends:
        tmp = tempfile.TemporaryDirectory()
        store = Store(f"sqlite:///{tmp.name}/sends.sqlite3")
        await asyncio.to_thread(store.upgrade)
        await store.write(seed_fanout, chats, 1)
        bot = aiohttp_bot(base_url)
        await bot.initialize()
        config = DeliveryConfig(global_per_s=rate, instant_window_s=0.0)
        dispatcher = Dispatcher(store, TelegramSender(bot), config)
        await dispatcher.match_ready(utcnow())

        async def sends(to: list[int]) -> None:
            assert to == chats
            try:
                report = await dispatcher.send_due(utcnow())
            finally:
                await bot.shutdown()
                store.close()
                tmp.cleanup()
            if report.sent != len(chats):
                raise RuntimeError(f"the sender sent {report.sent}: {report.summary()}")

        return sends

    return opened


def profile(name: str, opened: Callable[[], Awaitable[Sends]], chats: list[int]) -> None:
    """One more run of `name` under cProfile; print its top functions."""
    profiler = cProfile.Profile()

    async def run() -> None:
        sends = await opened()
        profiler.enable()
        await sends(chats)
        profiler.disable()

    asyncio.run(run())
    print(f"\nprofile of {name}, {len(chats)} messages:")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


def main_with(args: argparse.Namespace) -> None:
    """Run every client `repeats` times in turn; print medians and the RESULT line."""
    proc, base_url = start_standin()
    control = StandInControl.from_base_url(base_url)
    try:
        runs = clients(base_url, sample_text(), args.concurrency)
        chats = list(range(FIRST_CHAT, FIRST_CHAT + args.messages))
        few = chats[: args.paced_messages]
        runs[f"sender-{args.sender_rate:g}/s"] = sender_sends(base_url, args.sender_rate, chats)
        runs["bare-30/s"] = bare_sends(base_url, sample_text(), args.concurrency, 30.0)
        runs["sender-30/s"] = sender_sends(base_url, 30.0, few)
        figures: dict[str, list[Figures]] = {name: [] for name in runs}
        for _ in range(args.repeats):
            for name, opened in runs.items():
                to = few if name.endswith("-30/s") else chats
                control.do("clear_records")
                figures[name].append(asyncio.run(measure(opened, to)))
                sent = control.counts()["sent"]
                assert sent == len(to), f"{name}: the stand-in accepted {sent} of {len(to)}"
        print(
            f"{args.messages} messages ({args.paced_messages} for the -30/s rows), "
            f"{args.concurrency} in flight for the clients, median of {args.repeats}:"
        )
        medians = {}
        for name, runs_of in figures.items():
            ms = statistics.median(f.ms_per_message for f in runs_of)
            rate = statistics.median(f.rate for f in runs_of)
            medians[name] = (ms, rate)
            spread = ", ".join(f"{f.ms_per_message:.2f}" for f in runs_of)
            print(f"  {name:18} {ms:6.2f} ms CPU/message  {rate:7.0f} msg/s   (runs: {spread})")
        if args.profile:
            control.do("clear_records")
            profile(args.profile, runs[args.profile], few if "30/s" in args.profile else chats)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    bare = medians["bare"][0]
    parts = [f"messages={args.messages} concurrency={args.concurrency}"]
    for name, (ms, rate) in medians.items():
        key = name.replace("-", "_")
        parts.append(f"{key}_ms={ms:.2f} {key}_msg_s={rate:.0f}")
    parts.append(f"aiohttp_over_bare_ms={medians['ptb-aiohttp'][0] - bare:.2f}")
    paced_over = medians["sender-30/s"][0] - medians["bare-30/s"][0]
    parts.append(f"sender_30_over_bare_30_ms={paced_over:.2f}")
    parts = [p.replace("/s_", "_per_s_") for p in parts]
    print("RESULT " + " ".join(parts))


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sends")
    parser.add_argument("--messages", type=int, default=1000, help="3000 in issue 19")
    parser.add_argument("--concurrency", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sender-rate", type=float, default=500.0)
    parser.add_argument("--paced-messages", type=int, default=150)
    parser.add_argument("--profile", default="", help="a client's name, to print its profile")
    main_with(parser.parse_args())


if __name__ == "__main__":
    main()
