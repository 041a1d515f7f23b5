"""A bounded memory of recent keys: per-run caches that must not grow with every chat seen.

The handlers remember which chats they registered, which users they told that the instance is
private and who is about to send an OPML file. A bot in 100,000 chats would otherwise keep an
entry for each until it restarts; `Recent` keeps the `limit` most recently used and forgets the
oldest, which only costs a repeated (idempotent) store write or notice.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

DEFAULT_LIMIT = 10_000


class Recent(Generic[K, V]):
    """A mapping of at most `limit` entries; setting or reading one makes it the newest."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        """The value of `key` (now the newest), or None."""
        if key not in self._items:
            return None
        self._items.move_to_end(key)
        return self._items[key]

    def put(self, key: K, value: V) -> None:
        """Remember `key`; the oldest entry goes when the limit is passed."""
        self._items[key] = value
        self._items.move_to_end(key)
        if len(self._items) > self.limit:
            self._items.popitem(last=False)

    def pop(self, key: K) -> V | None:
        """Forget `key`; its value, or None."""
        return self._items.pop(key, None)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)
