"""Use cases of a chat's settings: how long, how loud and when its stories come.

A mixin of `bot.services.commands.Service`, kept apart so each module stays small; it needs
only the service's store, config and clock. Changes that move when stories are due (digest
mode, times, time zone, quiet hours) reschedule the chat's pending deliveries in the same
transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot import texts
from bot.config import MAX_SUMMARY_SENTENCES, Config
from bot.core.models import ChatSettings
from bot.core.schedule import (
    MAX_DIGEST_TIMES,
    parse_digest_args,
    parse_digest_times,
    parse_quiet_hours,
    resolve_timezone,
)
from bot.errors import UserError
from bot.i18n import LANGUAGES
from bot.store import chats as chat_queries
from bot.store import deliveries as delivery_queries
from bot.store.engine import Store
from bot.store.matching import update_digest_settings

DEFAULT_DIGEST_TIME = "08:00"
DEFAULT_QUIET_HOURS = "23:00-07:00"
DIGEST_LENGTHS = (0, 1, 2, 3)  # titles only, a line each, or that many summary sentences


class ChatSettingsCases:
    """Read and change a chat's settings."""

    store: Store
    config: Config
    clock: Callable[[], datetime]

    async def settings(self, chat_id: int) -> ChatSettings:
        """The chat's settings (defaults for a chat never seen)."""
        found = await self.store.read(chat_queries.get_chat, chat_id)
        if found is None:
            return ChatSettings(chat_id, summary_sentences=self.config.summary.sentences)
        return found

    async def _update(self, chat_id: int, **values: str | int | bool) -> ChatSettings:
        await self.store.write(chat_queries.update_settings, chat_id, self.clock(), values)
        return await self.settings(chat_id)

    async def _update_schedule(self, chat_id: int, **values: str | int | bool) -> ChatSettings:
        """Change digest settings and move the chat's pending deliveries, in one transaction."""
        window = self.config.delivery.instant_window_s
        await self.store.write(update_digest_settings, chat_id, self.clock(), values, window)
        return await self.settings(chat_id)

    async def set_sentences(self, chat_id: int, sentences: int) -> ChatSettings:
        """Summary length of pushes, 0 to 5 sentences."""
        if not 0 <= sentences <= MAX_SUMMARY_SENTENCES:
            raise UserError(texts.SENTENCES_BAD)
        return await self._update(chat_id, summary_sentences=sentences)

    async def set_link_previews(self, chat_id: int, enabled: bool) -> ChatSettings:
        """Link previews on or off."""
        return await self._update(chat_id, link_previews=enabled)

    async def set_language(self, chat_id: int, language: str) -> ChatSettings:
        """The language the bot answers in here (one of `LANGUAGES`)."""
        if language not in LANGUAGES:
            raise UserError(texts.BUTTON_EXPIRED)
        return await self._update(chat_id, language=language)

    async def note_user_language(self, chat_id: int, language: str) -> None:
        """Remember a private chat's user's Telegram language, for its pushes."""
        await self._update(chat_id, user_language=language)

    async def set_silent(self, chat_id: int, enabled: bool) -> ChatSettings:
        """Instant pushes without a notification sound, or with."""
        return await self._update(chat_id, silent=enabled)

    async def set_digest_length(self, chat_id: int, length: int) -> ChatSettings:
        """How much of each story a digest shows (`DIGEST_LENGTHS`)."""
        if length not in DIGEST_LENGTHS:
            raise UserError(texts.BUTTON_EXPIRED)
        return await self._update(chat_id, digest_length=length)

    async def set_digest(self, chat_id: int, args: list[str]) -> ChatSettings:
        """`/digest instant | daily HH:MM[,HH:MM] | off`."""
        mode, times = parse_digest_args(args)
        if mode != "daily":
            return await self._update_schedule(chat_id, digest_mode=mode)
        return await self._update_schedule(chat_id, digest_mode=mode, digest_times=times)

    async def set_digest_mode(self, chat_id: int, mode: str) -> ChatSettings:
        """Switch the digest mode from a button; daily keeps the times (08:00 if none)."""
        if mode not in {"instant", "daily", "off"}:
            raise UserError(texts.DIGEST_USAGE)
        current = await self.settings(chat_id)
        times = current.digest_times or DEFAULT_DIGEST_TIME
        return await self._update_schedule(chat_id, digest_mode=mode, digest_times=times)

    async def toggle_digest_time(self, chat_id: int, at: str) -> ChatSettings:
        """Add or remove one digest time (`"08:00"`) from a button; the last one stays, and
        the chat switches to daily digests."""
        wanted = parse_digest_times(at)
        if len(wanted) != 1:
            raise UserError(texts.BUTTON_EXPIRED)
        current = await self.settings(chat_id)
        times = {f"{t:%H:%M}" for t in parse_digest_times(current.digest_times)}
        value = f"{wanted[0]:%H:%M}"
        if value in times and current.digest_mode == "daily":
            times = times - {value} or times  # never none: the last time stays
        elif len(times) >= MAX_DIGEST_TIMES:
            raise UserError(texts.DIGEST_TOO_MANY_TIMES.format(limit=MAX_DIGEST_TIMES))
        else:
            times.add(value)
        spec = ",".join(sorted(times))
        return await self._update_schedule(chat_id, digest_mode="daily", digest_times=spec)

    async def set_timezone(self, chat_id: int, value: str) -> ChatSettings:
        """Set the chat's time zone from a zone name, a city or an offset."""
        return await self._update_schedule(chat_id, timezone=resolve_timezone(value))

    async def set_quiet_hours(self, chat_id: int, value: str) -> ChatSettings:
        """`/quiet 23:00-07:00 | off`: instant stories inside the window wait for its end."""
        return await self._update_schedule(chat_id, quiet_hours=parse_quiet_hours(value))

    async def toggle_quiet_hours(self, chat_id: int) -> ChatSettings:
        """Quiet hours from a button: the default window on, or off."""
        current = await self.settings(chat_id)
        value = "" if current.quiet_hours else DEFAULT_QUIET_HOURS
        return await self._update_schedule(chat_id, quiet_hours=value)

    async def digest_now(self, chat_id: int) -> int:
        """`/digest now`: what waits for this chat's next digest (or its quiet hours' end) is
        due now, so the sender's next tick sends it; the number of stories."""
        return await self.store.write(delivery_queries.reschedule_chat, chat_id, self.clock())
