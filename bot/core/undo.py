"""Removals that can be undone for a while, kept in memory under a short token.

Why memory and not the store: an undo lives one minute. A restart inside that minute loses it,
and the Undo button then answers that it expired, as it would a minute later anyway; that is
not worth a table, a migration and a cleanup job. The book is bounded (`size` removals, the
oldest dropped first, expired ones dropped as new ones come), so a flood of removals cannot
grow it. Pure: the caller passes the time.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from datetime import datetime, timedelta

from bot.core.models import Removal

TOKEN_BYTES = 4  # 8 hex characters in the button's callback data


class UndoBook:
    """Removals by token, each undoable once within `window` of when it was made."""

    def __init__(self, window: timedelta, size: int = 1000) -> None:
        self.window = window
        self.size = size
        self._kept: OrderedDict[str, Removal] = OrderedDict()

    def __len__(self) -> int:
        """How many removals are kept."""
        return len(self._kept)

    def keep(self, removal: Removal) -> str:
        """Keep the removal; the token its Undo button carries."""
        while self._kept and removal.at - next(iter(self._kept.values())).at > self.window:
            self._kept.popitem(last=False)
        token = secrets.token_hex(TOKEN_BYTES)
        while token in self._kept:
            token = secrets.token_hex(TOKEN_BYTES)
        self._kept[token] = removal
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)
        return token

    def take(self, token: str, chat_id: int, now: datetime) -> Removal | None:
        """The removal under `token` made in this chat, if `now` is within the window (it is
        then forgotten: an undo works once); None when unknown, another chat's, or too late."""
        removal = self._kept.get(token)
        if removal is None or removal.chat_id != chat_id:
            return None
        del self._kept[token]
        return removal if now - removal.at <= self.window else None
