"""`TelegramSender`: sends one HTML message and turns Bot API errors into outcomes.

The delivery service paces sends itself (`bot.core.pacing`), so the `Bot` given here should have
no rate limiter. Each error becomes an outcome the service records:

- `Forbidden` (blocked, kicked, chat deleted) and "chat not found" → `blocked`;
- `RetryAfter` (HTTP 429) → `retry` after Telegram's `retry_after`, flagged `flood`;
- `ChatMigrated` → `migrated` with the new chat id;
- `BadRequest` "can't parse entities" → sent again as plain text, logged;
- any other `BadRequest` → `failed` (sending it again cannot help);
- `TimedOut`, `NetworkError` and 5xx → `retry` with the service's backoff.
"""

from __future__ import annotations

import functools
import logging
import warnings
from datetime import timedelta

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot import texts
from bot.core.render import to_plain
from bot.services.ports import SendOutcome  # the port: the services never import telegram
from bot.tg import callback_data

log = logging.getLogger(__name__)


def retry_after_seconds(exc: RetryAfter) -> float:
    """Seconds Telegram asked us to wait, without PTB's int/timedelta deprecation warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def digest_buttons(*, full: bool, page: int = 0, pages: int = 1) -> InlineKeyboardMarkup:
    """Under a compact digest: "Full summaries"; under its full view: paging and "Short
    list" (the digest's stories are read back from the message's deliveries)."""
    if not full:
        label, data = str(texts.DIGEST_FULL_BUTTON), callback_data.digest_view(True, 0)
        return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)]])
    row = []
    if page > 0:
        row.append(
            InlineKeyboardButton(
                str(texts.PREV_BUTTON), callback_data=callback_data.digest_view(True, page - 1)
            )
        )
    if page + 1 < pages:
        row.append(
            InlineKeyboardButton(
                str(texts.NEXT_BUTTON), callback_data=callback_data.digest_view(True, page + 1)
            )
        )
    short = InlineKeyboardButton(
        str(texts.DIGEST_SHORT_BUTTON), callback_data=callback_data.digest_view(False, 0)
    )
    return InlineKeyboardMarkup([row, [short]] if row else [[short]])


class TelegramSender:
    """Sends messages with a PTB `Bot` and reports a `SendOutcome` instead of raising."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(
        self,
        chat_id: int,
        html_text: str,
        *,
        link_preview: bool,
        thread_id: int | None = None,
        silent: bool = False,
        expandable: bool = False,
        reply_markup: InlineKeyboardMarkup | None = None,
    ) -> SendOutcome:
        """Send `html_text` to `chat_id` (in forum topic `thread_id`); never raises for Bot
        API or network errors. An `expandable` digest gets the button to its full summaries."""
        if expandable and reply_markup is None:
            reply_markup = digest_buttons(full=False)
        send = functools.partial(
            self._send,
            chat_id,
            thread=thread_id,
            link_preview=link_preview,
            markup=reply_markup,
            silent=silent,
        )
        try:
            return await send(html_text, ParseMode.HTML)
        except BadRequest as exc:
            if "can't parse entities" not in exc.message.lower():
                return _bad_request(exc)
            log.warning(
                "chat %s: Telegram could not parse our HTML (%s); sent as text", chat_id, exc
            )
            plain = to_plain(html_text)
            try:
                outcome = await send(plain, None)
            except TelegramError as again:
                return _outcome_of(again)
            return SendOutcome("sent", outcome.message_id, plain_text=True)
        except TelegramError as exc:
            return _outcome_of(exc)

    async def _send(
        self,
        chat_id: int,
        text: str,
        parse_mode: str | None,
        *,
        thread: int | None,
        link_preview: bool,
        markup: InlineKeyboardMarkup | None,
        silent: bool,
    ) -> SendOutcome:
        message = await self.bot.send_message(
            chat_id,
            text,
            parse_mode=parse_mode,
            link_preview_options=LinkPreviewOptions(is_disabled=not link_preview),
            reply_markup=markup,
            message_thread_id=thread,
            disable_notification=silent or None,
        )
        return SendOutcome("sent", message.message_id)


# 400s that mean the bot may not post in the chat at all (a channel that took its rights):
# like a block, the chat's deliveries are cancelled, not retried. ("not enough rights to
# send" is not one: a group that mutes its members for a while answers that, and no update
# says when it ends.)
_CANNOT_POST = ("chat not found", "need administrator rights")


# 400s that mean the forum topic is gone (closed or deleted): General takes its messages.
_THREAD_GONE = ("message thread not found", "topic_closed", "topic_deleted", "topic closed")


def _bad_request(exc: BadRequest) -> SendOutcome:
    if any(reason in exc.message.lower() for reason in _CANNOT_POST):
        return SendOutcome("blocked", error=exc.message)
    if any(reason in exc.message.lower() for reason in _THREAD_GONE):
        return SendOutcome("thread_gone", error=exc.message)
    return SendOutcome("failed", error=exc.message)


def _outcome_of(exc: TelegramError) -> SendOutcome:
    """Map a Bot API or network error to an outcome."""
    if isinstance(exc, Forbidden):
        return SendOutcome("blocked", error=exc.message)
    if isinstance(exc, RetryAfter):
        return SendOutcome("retry", retry_after_s=retry_after_seconds(exc), error=exc.message)
    if isinstance(exc, ChatMigrated):
        return SendOutcome("migrated", new_chat_id=exc.new_chat_id, error=exc.message)
    if isinstance(exc, BadRequest):
        return _bad_request(exc)
    if isinstance(exc, NetworkError):  # TimedOut, connection errors and 5xx answers
        return SendOutcome("retry", error=exc.message)
    return SendOutcome("failed", error=exc.message)
