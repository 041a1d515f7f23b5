"""Hostile pages: what one story costs, and enrichment throughput on both cores.

Run: `.venv/bin/python benchmarks/hostile.py [--before PATH] [--stories 120] [--cap 150]`

Part 1, time per story: `enrich_story` (extraction, summary, keywords, signature, search
document: the CPU work of one story) on pages a stranger may serve: 8,000 short lines in one
paragraph (430 KB), 8,000 short paragraphs, one sentence of 16,000 words, a 5 MB page (the
fetch cap), beside a typical article page as the bare baseline. Each runs in a fresh
process, warmed up first, stopped at `--cap` seconds. `--before PATH` runs the same pages
through another checkout (e.g. `git worktree add /tmp/before 06ae025`) for the figures before.
The shipped bot also gives each story a 5 s budget in a worker (`summary.story_timeout_s`);
this part shows the cost without that budget.

Part 2, throughput: `--stories` real article pages (../shared/data/extraction, else the
test article) through `enrich_story` one after another in this process (one core: the bare
baseline), then through `ProcessWorkers` (the shipped path) with 1 and with 2 workers.

The last line is `RESULT ...`.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import SummaryConfig  # noqa: E402
from bot.core.models import PendingStory  # noqa: E402
from bot.proc.workers import ProcessWorkers  # noqa: E402
from bot.services.story_work import enrich_story, warm_up  # noqa: E402
from tests.support.hostile_pages import (  # noqa: E402
    huge_page,
    many_short_lines,
    many_short_paragraphs,
    one_long_sentence,
)

EXTRACTION = ROOT.parent / "shared" / "data" / "extraction" / "html"
TYPICAL = ROOT / "tests" / "data" / "articles" / "budget.html"
STORY = PendingStory(0, "https://bench.example/a", "Hostile page", "t", "")

_CHILD = """
import json, sys, time
from bot.config import SummaryConfig  # noqa: E402
from bot.core.models import PendingStory
from bot.services.story_work import enrich_story
story = PendingStory(**json.loads(sys.argv[2]))
warm = "<html><body><article><p>" + "The council met. " * 40 + "</p></article></body></html>"
enrich_story(story, warm, SummaryConfig())
html = open(sys.argv[1], encoding="utf-8").read()
started = time.perf_counter()
enrich_story(story, html, SummaryConfig())
print(time.perf_counter() - started)
"""


def pages() -> dict[str, str]:
    """The hostile pages, and the typical one as the baseline."""
    return {
        "typical article (baseline)": TYPICAL.read_text(encoding="utf-8"),
        "8,000 short lines, one paragraph": many_short_lines(8000),
        "8,000 short paragraphs": many_short_paragraphs(8000),
        "one sentence of 16,000 words": one_long_sentence(16_000),
        "5 MB page": huge_page(5_000_000),
    }


def time_in_child(tree: Path, html_path: Path, cap_s: float) -> float | None:
    """Seconds `enrich_story` takes on the page, in a fresh process of `tree`; None past cap."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, str(html_path), json.dumps(asdict(STORY))],
            capture_output=True,
            text=True,
            timeout=cap_s,
            env=env,
            cwd=tree,
            check=True,
        )
    except subprocess.TimeoutExpired:
        return None
    return float(done.stdout.strip().splitlines()[-1])


def article_pages(count: int) -> list[str]:
    """`count` real article pages (the shared extraction set, cycled), else the test page."""
    files = sorted(EXTRACTION.glob("*.html.gz")) if EXTRACTION.is_dir() else []
    if not files:
        print(f"({EXTRACTION} not found: throughput uses the test article only)")
        return [TYPICAL.read_text(encoding="utf-8")] * count
    texts = [gzip.decompress(f.read_bytes()).decode("utf-8", "replace") for f in files]
    return [texts[i % len(texts)] for i in range(count)]


def throughput_inline(htmls: list[str]) -> float:
    """Stories per second, one after another in this process."""
    warm_up()
    started = time.perf_counter()
    for n, html in enumerate(htmls):
        enrich_story(replace(STORY, url=f"https://bench.example/{n}"), html, SummaryConfig())
    return len(htmls) / (time.perf_counter() - started)


async def _through_workers(htmls: list[str], workers: int) -> float:
    pool = ProcessWorkers(workers, 30.0, warm_up=warm_up, preload=("bot.services.story_warm",))
    try:
        await asyncio.gather(*(pool.run(warm_up) for _ in range(workers)))  # all started
        config = SummaryConfig()
        started = time.perf_counter()
        await asyncio.gather(
            *(
                pool.run(enrich_story, replace(STORY, url=f"https://b.example/{n}"), h, config)
                for n, h in enumerate(htmls)
            )
        )
        return len(htmls) / (time.perf_counter() - started)
    finally:
        pool.close()


def main() -> None:
    """Run both parts and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", type=Path, help="another checkout to time the same pages")
    parser.add_argument("--stories", type=int, default=120)
    parser.add_argument("--cap", type=float, default=150.0, help="seconds per page at most")
    args = parser.parse_args()

    print(f"cores: {os.cpu_count()}")
    print("Part 1: seconds of CPU work for one story (fresh process, warmed up)")
    trees = [("now", ROOT)] + ([("before", args.before.resolve())] if args.before else [])
    figures: dict[str, dict[str, float | None]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, html in pages().items():
            path = Path(tmp) / "page.html"
            path.write_text(html, encoding="utf-8")
            row = {label: time_in_child(tree, path, args.cap) for label, tree in trees}
            figures[name] = row
            shown = "  ".join(
                f"{label} {'>' + format(args.cap, 'g') if s is None else format(s, '.2f')} s"
                for label, s in row.items()
            )
            print(f"  {name:<34} {len(html) / 1000:>7.0f} KB  {shown}")

    print(f"Part 2: stories per second, {args.stories} article pages")
    htmls = article_pages(args.stories)
    inline = throughput_inline(htmls)
    print(f"  in-process, one after another (baseline): {inline:6.1f} stories/s")
    one = asyncio.run(_through_workers(htmls, 1))
    print(f"  ProcessWorkers, 1 worker:                 {one:6.1f} stories/s")
    two = asyncio.run(_through_workers(htmls, 2))
    print(f"  ProcessWorkers, 2 workers:                {two:6.1f} stories/s")

    worst_now = max(
        (v["now"] or args.cap) for k, v in figures.items() if not k.startswith("typical")
    )
    print(
        f"RESULT worst_hostile_story_s={worst_now:.2f} inline_per_s={inline:.1f} "
        f"workers1_per_s={one:.1f} workers2_per_s={two:.1f} speedup2={two / inline:.2f}"
    )


if __name__ == "__main__":
    main()
