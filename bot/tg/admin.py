"""Who may change a chat's subscriptions and settings: anyone in private, admins in groups.

Group membership is checked with getChatMember and cached for a minute per (chat, user), so a
burst of button presses costs one call; the cache drops expired entries as it grows.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType

from bot import texts
from bot.errors import UserError
from bot.tg.replies import Callback, Context

ADMIN_CACHE = "admin_cache"  # bot_data key of the AdminCache
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


async def may_change(update: Update, context: Context) -> bool:
    """True in private chats, and for group administrators (anonymous ones included)."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or chat.type == ChatType.PRIVATE:
        return True
    message = update.effective_message
    if message is not None and message.sender_chat is not None:
        return message.sender_chat.id == chat.id  # an anonymous admin posts as the group
    if user is None:
        return False
    cache: AdminCache = context.bot_data.setdefault(ADMIN_CACHE, AdminCache())
    verdict = cache.get(chat.id, user.id)
    if verdict is None:
        member = await context.bot.get_chat_member(chat.id, user.id)
        verdict = member.status in {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}
        cache.put(chat.id, user.id, verdict)
    return verdict


def admin_only(func: Callback) -> Callback:
    """Refuse the handler to non-administrators in groups."""

    @functools.wraps(func)
    async def wrapper(update: Update, context: Context) -> None:
        if not await may_change(update, context):
            raise UserError(texts.ADMINS_ONLY)
        await func(update, context)

    return wrapper
