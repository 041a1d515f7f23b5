"""Even pacing of sends under Telegram's flood limits (pure: every call takes `now`).

Telegram counts messages in strict windows: about 30 per second overall, 1 per second in a
private chat, 20 per minute in a group or channel. A token bucket (PTB's `AIORateLimiter`)
starts with a burst and then meets 429s from the strict window; spacing every send evenly just
under each limit meets none. `Pacer.reserve` books the next free slot for a chat and returns
the time the send should start; a 429 pauses one chat, or every chat when Telegram says the
whole bot is flooding, for `retry_after` seconds.

Chat ids follow Telegram: positive ids are private chats, negative ids groups and channels.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def is_private(chat_id: int) -> bool:
    """True for a private chat (Telegram gives groups and channels negative ids)."""
    return chat_id > 0


@dataclass
class Pacer:
    """Books evenly spaced send slots: globally, per private chat and per group."""

    global_per_s: float
    private_per_s: float
    group_per_min: float
    _next_global: float = 0.0
    _paused_until: float = 0.0
    _next_chat: dict[int, float] = field(default_factory=dict)

    def interval_for(self, chat_id: int) -> float:
        """Seconds between two sends to `chat_id`."""
        if is_private(chat_id):
            return 1.0 / self.private_per_s
        return 60.0 / self.group_per_min

    def ready_at(self, chat_id: int, now: float) -> float:
        """The earliest time a message to `chat_id` may start, never before `now`."""
        return max(now, self._next_global, self._paused_until, self._next_chat.get(chat_id, 0.0))

    def chat_ready_at(self, chat_id: int, now: float) -> float:
        """The earliest time `chat_id`'s own limit or pause allows, leaving out the global slot
        (which every chat waits for alike)."""
        return max(now, self._next_chat.get(chat_id, 0.0))

    def reserve(self, chat_id: int, now: float) -> float:
        """Book the next slot for `chat_id`; return when the send should start."""
        slot = self.ready_at(chat_id, now)
        # No credit builds up while idle: the next slot is one interval after this one.
        self._next_global = slot + 1.0 / self.global_per_s
        self._next_chat[chat_id] = slot + self.interval_for(chat_id)
        return slot

    def pause_chat(self, chat_id: int, now: float, retry_after: float) -> float:
        """Hold `chat_id` for `retry_after` seconds (a 429 for that chat); return the end."""
        until = now + max(retry_after, 0.0)
        self._next_chat[chat_id] = max(self._next_chat.get(chat_id, 0.0), until)
        return until

    def pause_all(self, now: float, retry_after: float) -> float:
        """Hold every chat for `retry_after` seconds (a global flood); return the end."""
        self._paused_until = max(self._paused_until, now + max(retry_after, 0.0))
        return self._paused_until

    def forget(self, now: float) -> None:
        """Drop per-chat slots already in the past, so memory stays bounded."""
        self._next_chat = {c: t for c, t in self._next_chat.items() if t > now}
