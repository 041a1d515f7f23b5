"""Ingestion benchmark: 1,000 feeds of 50 items on a local server, polled by the real Poller.

Run: `.venv/bin/python benchmarks/ingest.py [--feeds 1000] [--items 50] [--rounds 3]`

An aiohttp server in a separate process (so it does not share our CPU time or GIL) serves
`/f/<n>.xml` with ETags and answers 304 to a matching If-None-Match. `/bump` gives 10% of the
feeds one new item. The client is the real stack: `HttpFetcher`, `Poller`, `parse_feed` and a
SQLite store. Printed: the first full poll (fetch + parse + store of every item), then for
several concurrency limits the steady-state polls per second with 90% of feeds answering 304,
the client's CPU seconds per poll, and a bare aiohttp loop doing the same requests as the
round-trip baseline; peak memory (max RSS of the client); and a final `RESULT` line.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import Config, FetchConfig, PollConfig
from bot.net.fetcher import HttpFetcher
from bot.services.polling import Poller
from bot.services.ports import FEED_ACCEPT
from bot.store import feeds as feed_queries
from bot.store.engine import Store

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
PARAGRAPH = (
    "The council met on Tuesday to discuss the new plan for the harbour, which would add "
    "two piers and a ferry terminal. Residents asked about noise and traffic."
)


def _feed_body(feed: int, version: int, items: int) -> bytes:
    parts = []
    for i in range(items):
        n = version + items - i  # newest first; a bump adds one item on top
        when = (NOW - timedelta(minutes=n)).strftime("%a, %d %b %Y %H:%M:%S GMT")
        parts.append(
            f"<item><title>Feed {feed} story {n}</title>"
            f"<link>https://site{feed}.example.org/story/{n}</link>"
            f"<guid>https://site{feed}.example.org/story/{n}</guid><pubDate>{when}</pubDate>"
            f"<description>{PARAGRAPH}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Feed {feed}</title><link>https://site{feed}.example.org/</link>"
        + "".join(parts)
        + "</channel></rss>"
    ).encode()


def _serve(
    port_queue: multiprocessing.Queue[int], feeds: int, items: int, validators: bool = True
) -> None:
    versions = [0] * feeds
    bumps = [0]
    cache: dict[tuple[int, int], bytes] = {}

    async def feed(request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        etag = f'"{n}-{versions[n]}"'
        headers = {"ETag": etag} if validators else {}
        if validators and request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers=headers)
        key = (n, versions[n])
        if key not in cache:
            cache[key] = _feed_body(n, versions[n], items)
        return web.Response(body=cache[key], content_type="application/rss+xml", headers=headers)

    async def bump(request: web.Request) -> web.Response:
        for n in range(bumps[0] % 10, feeds, 10):
            versions[n] += 1
        bumps[0] += 1
        return web.Response(text="ok")

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/f/{n}.xml", feed)
        app.router.add_get("/bump", bump)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port_queue.put(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        await asyncio.Event().wait()

    asyncio.run(main())


def _config(concurrency: int) -> Config:
    fetch = FetchConfig(
        allow_private_networks=True,
        max_concurrency=concurrency,
        per_host_concurrency=concurrency,  # every feed is on one local host here
    )
    return Config(fetch=fetch, poll=PollConfig(jitter_s=0, first_poll_items=3))


async def _bump(base: str) -> None:
    async with aiohttp.ClientSession() as session, session.get(f"{base}/bump") as resp:
        await resp.read()


def _bare_session(concurrency: int, user_agent: str) -> aiohttp.ClientSession:
    """The baseline's client: like `HttpFetcher`'s, one session whose connections are reused."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=concurrency),
        headers={"User-Agent": user_agent},
    )


async def _bare_round(
    session: aiohttp.ClientSession, base: str, feeds: int, etags: dict[int, str], concurrency: int
) -> float:
    """Requests per second of a bare aiohttp loop sending the same conditional GETs.

    `concurrency` workers each send one request at a time: the same bound as the poller's,
    without a task per request queued on a semaphore (which costs O(n²) in asyncio).
    """
    pending = iter(range(feeds))

    async def work() -> None:
        for n in pending:
            etag = etags.get(n)
            headers = {"Accept": FEED_ACCEPT, **({"If-None-Match": etag} if etag else {})}
            async with session.get(f"{base}/f/{n}.xml", headers=headers) as resp:
                await resp.read()

    started = time.perf_counter()
    await asyncio.gather(*(work() for _ in range(concurrency)))
    return feeds / (time.perf_counter() - started)


async def _run(base: str, args: argparse.Namespace) -> dict[str, float]:
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/bench.sqlite3")
        store.upgrade()
        for n in range(args.feeds):
            store.write_sync(feed_queries.add_feed, f"{base}/f/{n}.xml", NOW, name=f"F{n}")
        config = _config(args.concurrency[0])
        async with HttpFetcher(config.fetch) as fetcher:
            poller = Poller(store, fetcher, config)
            cpu, started = time.process_time(), time.perf_counter()
            report = await poller.poll_all_once(NOW)
            figures["first_s"] = time.perf_counter() - started
            figures["first_cpu_s"] = time.process_time() - cpu
        failed = report.failed
        stored = sum(o.new + o.backlog for o in report.outcomes)
        print(
            f"first full poll: {args.feeds} feeds, {stored} items stored, {failed} failed, "
            f"{figures['first_s']:.1f} s wall, {figures['first_cpu_s']:.1f} s CPU"
        )
        best = 0.0
        for concurrency in args.concurrency:
            rate, cpu_per_poll, rate_304, bare = await _steady(store, base, args, concurrency)
            print(
                f"steady state, concurrency {concurrency:>3}: {rate:,.0f} polls/s and "
                f"{cpu_per_poll * 1000:.2f} ms CPU per poll with 10% changed; "
                f"{rate_304:,.0f} polls/s with none changed; bare aiohttp {bare:,.0f} req/s"
            )
            if rate > best:
                best = rate
                figures.update(
                    steady_polls_s=rate,
                    cpu_ms_per_poll=cpu_per_poll * 1000,
                    all_304_polls_s=rate_304,
                    bare_req_s=bare,
                    concurrency=concurrency,
                )
        store.close()
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


async def _steady(
    store: Store, base: str, args: argparse.Namespace, concurrency: int
) -> tuple[float, float, float, float]:
    """(polls/s and CPU s per poll with 10% changed, polls/s with all 304, bare req/s)."""
    config = _config(concurrency)
    rates, cpus, all_304, bares = [], [], [], []
    bare = _bare_session(concurrency, config.fetch.user_agent)
    async with HttpFetcher(config.fetch) as fetcher, bare:
        poller = Poller(store, fetcher, config)
        for _ in range(args.rounds):
            await _bump(base)
            rate, cpu, changed = await _poll_round(store, poller)
            if changed > 0.11:
                print(f"  (expected 10% of feeds changed, {changed:.0%} were parsed)")
            rates.append(rate)
            cpus.append(cpu)
            rate_304, _, changed = await _poll_round(store, poller)
            if changed:
                print(f"  (expected no feed changed, {changed:.0%} were parsed)")
            all_304.append(rate_304)
            etags = _etags(store)  # current, so the baseline also gets all 304s
            bares.append(await _bare_round(bare, base, args.feeds, etags, concurrency))
    return max(rates), min(cpus), max(all_304), max(bares)


def _etags(store: Store) -> dict[int, str]:
    """The stored ETag of each feed, by feed number."""
    rows = store.read_sync(feed_queries.pollable_feeds)
    return {int(r.url.rsplit("/", 1)[1].split(".")[0]): r.etag or "" for r in rows}


async def _poll_round(store: Store, poller: Poller) -> tuple[float, float, float]:
    """Poll every feed once: (polls/s, CPU s per poll, share of feeds that changed)."""
    rows = store.read_sync(feed_queries.pollable_feeds)
    cpu, started = time.process_time(), time.perf_counter()
    report = await poller.poll_many(rows, NOW)
    wall = time.perf_counter() - started
    changed = sum(o.status != "not_modified" for o in report.outcomes) / len(rows)
    return len(rows) / wall, (time.process_time() - cpu) / len(rows), changed


def main() -> int:
    """Start the server process, run the benchmark, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--no-validators",
        action="store_true",
        help="the server sends no ETag and never 304: unchanged feeds come back as full 200s",
    )
    parser.add_argument(
        "--concurrency", type=lambda s: [int(x) for x in s.split(",")], default=[10, 25, 50, 100]
    )
    args = parser.parse_args()
    queue: multiprocessing.Queue[int] = multiprocessing.Queue()
    server = multiprocessing.Process(
        target=_serve, args=(queue, args.feeds, args.items, not args.no_validators)
    )
    server.start()
    try:
        base = f"http://127.0.0.1:{queue.get(timeout=30)}"
        figures = asyncio.run(_run(base, args))
    finally:
        server.terminate()
        server.join()
    print(f"peak memory (client max RSS): {figures['peak_rss_mb']:.0f} MB")
    print(
        f"RESULT first_poll_s={figures['first_s']:.1f} "
        f"steady_polls_per_s={figures['steady_polls_s']:.0f} "
        f"cpu_ms_per_poll={figures['cpu_ms_per_poll']:.2f} "
        f"all_304_polls_per_s={figures['all_304_polls_s']:.0f} "
        f"bare_aiohttp_req_per_s={figures['bare_req_s']:.0f} "
        f"concurrency={figures['concurrency']:.0f} peak_rss_mb={figures['peak_rss_mb']:.0f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
