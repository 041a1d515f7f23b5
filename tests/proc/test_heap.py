"""Freezing what start-up built: later full collections skip it, and still collect the new."""

from __future__ import annotations

import ctypes
import gc
import subprocess
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.proc.heap import freeze_long_lived
from bot.proc.workers import ProcessWorkers
from tests.support.paths import REPO


@pytest.fixture
def frozen() -> Iterator[None]:
    """Freeze for one test, then hand everything back to the collector."""
    freeze_long_lived()
    yield
    gc.unfreeze()


class Node:
    """An object that can sit in a reference cycle."""

    def __init__(self) -> None:
        self.other: Node | None = None


def test_start_up_objects_leave_the_collectors_sight(frozen: None) -> None:
    assert gc.get_freeze_count() > 0
    tracked = {id(o) for o in gc.get_objects()}
    assert id(freeze_long_lived) not in tracked  # a start-up object: not walked any more


def test_garbage_made_after_start_up_is_still_collected(frozen: None) -> None:
    a, b = Node(), Node()
    a.other, b.other = b, a  # a cycle only the collector can free
    gone = weakref.ref(a)
    del a, b
    gc.collect()
    assert gone() is None


def _rss_kb() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def _glibc_linux() -> bool:
    """Where `malloc_trim` and /proc/self/status exist (elsewhere release is a no-op)."""
    try:
        return hasattr(ctypes.CDLL(None), "malloc_trim") and Path("/proc/self/status").exists()
    except (OSError, TypeError):
        return False


@pytest.mark.skipif(not _glibc_linux(), reason="needs glibc's malloc_trim and Linux's /proc")
def test_free_heap_pages_go_back_to_the_system() -> None:
    """Many small blocks freed leave their pages with the allocator until they are released."""
    probe = (
        "from bot.proc.heap import release_free_memory\n"
        "from tests.proc.test_heap import _rss_kb\n"
        "blocks = [bytearray(2000) for _ in range(50_000)]\n"  # ~100 MB in the C heap
        "keep = blocks[::1000]\n"  # survivors keep the heap from shrinking at its top alone
        "del blocks\n"
        "before = _rss_kb()\n"
        "release_free_memory()\n"
        "print(before - _rss_kb())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 20_000  # KB handed back


async def test_workers_start_from_a_settled_fork_server(workers: ProcessWorkers) -> None:
    """The fork server imported `bot.proc.settle` last: a worker starts with start-up frozen."""
    assert await workers.run(gc.get_freeze_count) > 0
