"""Benchmark: one story to N subscribed chats through the Bot API stand-in at Telegram's limits.

    .venv/bin/python -m benchmarks.delivery [--chats 10000] [--db sqlite:///...]

Each side talks to its own stand-in process enforcing a strict 30-messages-per-second window,
1 message/s per private chat and 20/min per group:

- ours: the outbox (`bot.services.delivery.Dispatcher`: claim, pace evenly at
  `delivery.global_per_s`, record each outcome), on a SQLite file (or `--db`);
- ptb: PTB's `AIORateLimiter` with its default settings on an `ExtBot`, every message handed
  to `send_message` at once (how a bot without an outbox fans out).

Printed per side: achieved messages/s (first send to last), 429s received, lost (chats
without the message), duplicated, and peak Python memory (tracemalloc). Last line: `RESULT `.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import HTTPXRequest

from bot.clock import utcnow
from bot.config import DeliveryConfig
from bot.core.digest import DigestEntry, compose_instant
from bot.core.render import StoryView
from bot.services.delivery import Dispatcher
from bot.store.deliveries import count_states
from bot.store.engine import Store
from bot.tg.sender import TelegramSender
from tests.support.delivery_data import seed_fanout
from tests.support.sender_proc import open_bot
from tests.support.tg_api import StandInControl
from tests.support.tg_updates import BOT_TOKEN


@dataclass
class SideResult:
    """One side's figures."""

    name: str
    chats: int
    seconds: float
    sent: int
    too_many: int
    lost: int
    duplicated: int
    peak_mib: float

    @property
    def rate(self) -> float:
        """Messages accepted per second."""
        return self.sent / self.seconds if self.seconds else 0.0


def start_standin() -> tuple[subprocess.Popen[str], str]:
    """A stand-in process with Telegram's limits; returns it and its base_url."""
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "tests.support.tg_api", "--port", "0"),
            *("--global-per-s", "30", "--private-per-s", "1", "--group-per-min", "20"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    base_url = proc.stdout.readline().strip()
    return proc, base_url


def chat_ids(n: int) -> list[int]:
    """Mostly private chats, one in ten a group (negative id)."""
    return [-(1_000_000 + i) if i % 10 == 0 else 1_000_000 + i for i in range(n)]


def judge(name: str, ids: list[int], base_url: str, seconds: float, peak: int) -> SideResult:
    """Count what the stand-in accepted."""
    control = StandInControl.from_base_url(base_url)
    per_chat = Counter(
        m["chat_id"] if "chat_id" in m else m["chat"]["id"] for m in control.sent_messages()
    )
    counts = control.counts()
    times = [c["time"] for c in control.request("calls?method=sendMessage") if c["status"] == 200]
    if len(times) > 1:  # sustained rate: first accepted send to last, as the stand-in saw them
        seconds = (max(times) - min(times)) * len(times) / (len(times) - 1)
    return SideResult(
        name=name,
        chats=len(ids),
        seconds=seconds,
        sent=counts["sent"],
        too_many=counts["too_many_requests"],
        lost=sum(1 for c in ids if per_chat[c] == 0),
        duplicated=sum(n - 1 for n in per_chat.values() if n > 1),
        peak_mib=peak / 2**20,
    )


async def measured(fn: Callable[[], Awaitable[None]]) -> tuple[float, int]:
    """Run `fn`; return its wall time and peak traced memory."""
    tracemalloc.reset_peak()
    start = time.perf_counter()
    await fn()
    return time.perf_counter() - start, tracemalloc.get_traced_memory()[1]


async def run_ours(ids: list[int], db_url: str, base_url: str) -> SideResult:
    """The outbox with even pacing."""
    store = Store(db_url)
    store.upgrade()
    store.write_sync(seed_fanout, ids, 1)
    config = DeliveryConfig(instant_window_s=0.0)
    try:
        async with open_bot(base_url) as bot:
            dispatcher = Dispatcher(store, TelegramSender(bot), config)
            await dispatcher.match_ready(utcnow())

            async def send_all() -> None:
                while True:
                    await dispatcher.send_due(utcnow())
                    states = await store.read(count_states)
                    if not states.get("pending") and not states.get("sending"):
                        return
                    await asyncio.sleep(0.1)  # retries not due yet

            seconds, peak = await measured(send_all)
    finally:
        store.close()
    return judge("ours (outbox + even pacing)", ids, base_url, seconds, peak)


async def run_ptb(ids: list[int], base_url: str, text: str) -> SideResult:
    """PTB's AIORateLimiter, default settings, everything handed over at once."""
    request = HTTPXRequest(connection_pool_size=64)
    bot = ExtBot(BOT_TOKEN, base_url=base_url, request=request, rate_limiter=AIORateLimiter())
    errors: Counter[str] = Counter()

    async def send(chat_id: int) -> None:
        try:
            await bot.send_message(chat_id, text, parse_mode="HTML")
        except TelegramError as exc:
            errors[type(exc).__name__] += 1

    async def send_all() -> None:
        await asyncio.gather(*(send(c) for c in ids))

    async with bot:
        seconds, peak = await measured(send_all)
    if errors:
        print(f"  ptb errors raised to the caller: {dict(errors)}")
    return judge("ptb AIORateLimiter (defaults)", ids, base_url, seconds, peak)


def sample_text() -> str:
    """The message our side sends for the seeded story, for the PTB side to send too."""
    story = StoryView(id=1, title="Story s0", url="https://example.org/s0", sources=("Wire",))
    now = datetime.now(UTC)
    return compose_instant([DigestEntry(story, "Wire")], now=now, tz=UTC, sentences=3)[0][0]


def show(result: SideResult) -> None:
    """Print one side's figures."""
    print(
        f"{result.name:32} {result.rate:7.2f} msg/s  {result.sent:6d} sent in "
        f"{result.seconds:7.1f} s  429s={result.too_many:<5d} lost={result.lost:<5d} "
        f"duplicated={result.duplicated:<4d} peak={result.peak_mib:.1f} MiB"
    )


async def main_async(args: argparse.Namespace) -> None:
    """Run both sides, ours first."""
    ids = chat_ids(args.chats)
    tracemalloc.start()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        db_url = args.db or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        for side in ("ours", "ptb"):
            proc, base_url = start_standin()
            try:
                if side == "ours":
                    result = await run_ours(ids, db_url, base_url)
                else:
                    result = await run_ptb(ids, base_url, sample_text())
            finally:
                proc.terminate()
                proc.wait(timeout=10)
            show(result)
            results.append(result)
    ours, ptb = results
    print(
        f"RESULT chats={args.chats} limit=30/s "
        f"ours_msg_s={ours.rate:.2f} ours_429={ours.too_many} ours_lost={ours.lost} "
        f"ours_dup={ours.duplicated} ours_peak_mib={ours.peak_mib:.1f} "
        f"ptb_msg_s={ptb.rate:.2f} ptb_429={ptb.too_many} ptb_lost={ptb.lost} "
        f"ptb_dup={ptb.duplicated} ptb_peak_mib={ptb.peak_mib:.1f}"
    )


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.delivery")
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--db", default="", help="database URL (default: a temporary SQLite)")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
