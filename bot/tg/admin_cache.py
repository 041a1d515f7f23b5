"""Group admin verdicts from getChatMember, kept for a minute per (chat, user)."""

from __future__ import annotations

import time
from collections.abc import Callable

ADMIN_CACHE_S = 60.0
_PRUNE_AT = 10_000  # entries; beyond this, expired ones are dropped on the next write


class AdminCache:
    """(chat, user) -> is-admin verdicts that expire after `ttl_s` seconds."""

    def __init__(
        self, ttl_s: float = ADMIN_CACHE_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl_s = ttl_s
        self._clock = clock
        self._verdicts: dict[tuple[int, int], tuple[bool, float]] = {}

    def __len__(self) -> int:
        return len(self._verdicts)

    def get(self, chat_id: int, user_id: int) -> bool | None:
        """The cached verdict, or None when there is none or it has expired."""
        hit = self._verdicts.get((chat_id, user_id))
        if hit is None or self._clock() - hit[1] >= self.ttl_s:
            return None
        return hit[0]

    def put(self, chat_id: int, user_id: int, is_admin: bool) -> None:
        """Remember a verdict from now on."""
        now = self._clock()
        if len(self._verdicts) >= _PRUNE_AT:
            self._verdicts = {k: v for k, v in self._verdicts.items() if now - v[1] < self.ttl_s}
        self._verdicts[(chat_id, user_id)] = (is_admin, now)
