"""What the services need from the outside, as protocols (the adapters implement them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class Workers(Protocol):
    """Where CPU-bound work runs: `bot.workers.ProcessWorkers`, each task with a time budget."""

    async def run(self, fn: Callable[..., T], *args: Any, timeout_s: float | None = None) -> T:
        """`fn(*args)` elsewhere; `WorkError` when it runs out of time or its worker dies."""
        ...
