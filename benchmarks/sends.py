"""Benchmark: CPU per message of the Bot API client, against the stand-in without flood limits.

    .venv/bin/python -m benchmarks.sends [--messages 3000] [--concurrency 30] [--repeats 3]
        [--profile NAME]

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
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import aiohttp
import httpx
from telegram import Bot
from telegram.ext import ApplicationBuilder
from telegram.request import HTTPXRequest

from bot.config import TelegramConfig
from bot.core.digest import DigestEntry, compose_instant
from bot.core.render import StoryView
from bot.tg.request import bot_api_request
from bot.tg.sender import TelegramSender
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


def bare_sends(base_url: str, text: str, concurrency: int) -> Callable[[], Awaitable[Sends]]:
    """A plain aiohttp loop: build the JSON, POST it, parse the answer."""

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
        figures: dict[str, list[Figures]] = {name: [] for name in runs}
        for _ in range(args.repeats):
            for name, opened in runs.items():
                control.do("clear_records")
                figures[name].append(asyncio.run(measure(opened, chats)))
                sent = control.counts()["sent"]
                assert sent == len(chats), f"{name}: the stand-in accepted {sent} of {len(chats)}"
        print(f"{args.messages} messages, {args.concurrency} in flight, median of {args.repeats}:")
        medians = {}
        for name, runs_of in figures.items():
            ms = statistics.median(f.ms_per_message for f in runs_of)
            rate = statistics.median(f.rate for f in runs_of)
            medians[name] = (ms, rate)
            spread = ", ".join(f"{f.ms_per_message:.2f}" for f in runs_of)
            print(f"  {name:16} {ms:6.2f} ms CPU/message  {rate:7.0f} msg/s   (runs: {spread})")
        if args.profile:
            control.do("clear_records")
            profile(args.profile, runs[args.profile], chats)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    bare = medians["bare"][0]
    parts = [f"messages={args.messages} concurrency={args.concurrency}"]
    for name, (ms, rate) in medians.items():
        key = name.replace("-", "_")
        parts.append(f"{key}_ms={ms:.2f} {key}_msg_s={rate:.0f}")
    parts.append(f"aiohttp_over_bare_ms={medians['ptb-aiohttp'][0] - bare:.2f}")
    print("RESULT " + " ".join(parts))


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sends")
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--profile", default="", help="a client's name, to print its profile")
    main_with(parser.parse_args())


if __name__ == "__main__":
    main()
