"""Pure checks and texts of the Bot API stand-in: parameters, message texts, keyboards, errors.

Each check returns the cleaned value or raises `ApiError` with Telegram's status and description.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from contextlib import suppress
from typing import Any

from tests.support.tg_html import TelegramHtmlError, parse_telegram_html, utf16_len

MAX_TEXT = 4096
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
DEFAULT_ALLOWED_UPDATES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
    }
)
# Form fields PTB sends as plain strings; every other form field is JSON-encoded by PTB.
_STRING_FIELDS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "url",
        "secret_token",
        "inline_message_id",
        "language_code",
        "ip_address",
        "business_connection_id",
        "message_effect_id",
        "description",
        "short_description",
    }
)
CONFLICT_POLL = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


class ApiError(Exception):
    """A Bot API error answer."""

    def __init__(self, status: int, description: str, **parameters: Any) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        """The JSON body Telegram sends for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def normalise_params(params: dict[str, Any]) -> dict[str, Any]:
    """Decode the JSON-encoded values PTB puts in form fields (numbers, lists, objects)."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, str) and key not in _STRING_FIELDS:
            with suppress(ValueError):
                value = json.loads(value)
        out[key] = value
    return out


def int_param(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiError(400, f"Bad Request: invalid {name} specified") from None


def parse_text(params: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """The plain text and entities of a message text, checked like Telegram does."""
    text = params.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    mode = str(params.get("parse_mode") or "").lower()
    entities: list[dict[str, Any]] = []
    if mode == "html":
        try:
            text, entities = parse_telegram_html(text)
        except TelegramHtmlError as err:
            raise ApiError(400, f"Bad Request: can't parse entities: {err}") from None
    elif mode not in ("", "markdown", "markdownv2"):
        raise ApiError(400, f"Bad Request: unsupported parse_mode {params.get('parse_mode')}")
    if not text.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if utf16_len(text) > MAX_TEXT:
        raise ApiError(400, "Bad Request: message is too long")
    return text, entities


MAX_CAPTION = 1024
MAX_BOT_DOWNLOAD = 20 * 1024 * 1024  # getFile refuses bigger files to bots


def parse_caption(params: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """The plain caption and its entities (may be empty), checked like Telegram does."""
    caption = params.get("caption")
    if caption is None or caption == "":
        return "", []
    if not isinstance(caption, str):
        raise ApiError(400, "Bad Request: caption must be a string")
    entities: list[dict[str, Any]] = []
    mode = str(params.get("parse_mode") or "").lower()
    if mode == "html":
        try:
            caption, entities = parse_telegram_html(caption)
        except TelegramHtmlError as err:
            raise ApiError(400, f"Bad Request: can't parse entities: {err}") from None
    elif mode not in ("", "markdown", "markdownv2"):
        raise ApiError(400, f"Bad Request: unsupported parse_mode {params.get('parse_mode')}")
    if utf16_len(caption) > MAX_CAPTION:
        raise ApiError(400, "Bad Request: message caption is too long")
    return caption, entities


def check_markup(markup: Any) -> dict[str, Any] | None:
    """The reply_markup object, or 400 if it is not one Telegram would accept."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        if not {"keyboard", "remove_keyboard", "force_reply"} & markup.keys():
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        return markup
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ApiError(400, 'Bad Request: field "inline_keyboard" must be an Array of Arrays')
    for row in rows:
        for button in row:
            _check_button(button)
    return markup


def _check_button(button: Any) -> None:
    """One inline keyboard button: a text and a callback_data of 1-64 bytes or a url."""
    if not isinstance(button, dict) or not str(button.get("text") or "").strip():
        raise ApiError(
            400, "Bad Request: can't parse inline keyboard button: Text must be non-empty"
        )
    if "callback_data" in button:
        size = len(str(button["callback_data"]).encode("utf-8"))
        if not 1 <= size <= 64:
            raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    elif "url" in button:
        url = str(button["url"])
        if not url.startswith(("http://", "https://", "tg://")):
            raise ApiError(400, f"Bad Request: inline keyboard button URL '{url}' is invalid")
    elif not button.keys() & {
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "copy_text",
        "web_app",
        "login_url",
        "pay",
        "callback_game",
    }:
        raise ApiError(
            400,
            "Bad Request: can't parse inline keyboard button: "
            "Text buttons are unallowed in the inline keyboard",
        )


def check_preview(options: Any) -> dict[str, Any] | None:
    if options is None or isinstance(options, dict):
        return options
    raise ApiError(400, "Bad Request: can't parse link preview options JSON object")


MAX_COMMANDS = 100
MAX_DESCRIPTION = 512  # setMyDescription
MAX_SHORT_DESCRIPTION = 120  # setMyShortDescription
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_SCOPES = {  # scope type → the fields it needs
    "default": (),
    "all_private_chats": (),
    "all_group_chats": (),
    "all_chat_administrators": (),
    "chat": ("chat_id",),
    "chat_administrators": ("chat_id",),
    "chat_member": ("chat_id", "user_id"),
}


def check_commands(commands: Any) -> list[dict[str, Any]]:
    """A setMyCommands list: at most 100 BotCommands, each valid (see `check_command`)."""
    if not isinstance(commands, list):
        raise ApiError(400, "Bad Request: can't parse commands JSON object")
    if len(commands) > MAX_COMMANDS:
        raise ApiError(400, "Bad Request: BOT_COMMANDS_TOO_MUCH")
    for command in commands:
        check_command(command)
    return commands


def check_command(command: Any) -> None:
    """A BotCommand: 1-32 chars of a-z, 0-9, _ and a 1-256 char description."""
    name = command.get("command", "") if isinstance(command, dict) else ""
    desc = command.get("description", "") if isinstance(command, dict) else ""
    if not isinstance(name, str) or not _COMMAND_NAME.fullmatch(name):
        raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
    if not isinstance(desc, str) or not 1 <= len(desc.strip()) <= len(desc) <= 256:
        raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")


def check_scope(scope: Any) -> None:
    """A BotCommandScope: a known type with the fields that type needs."""
    if scope is None:
        return
    if not isinstance(scope, dict) or scope.get("type") not in _SCOPES:
        raise ApiError(400, "Bad Request: can't parse BotCommandScope JSON object")
    for name in _SCOPES[scope["type"]]:
        if not isinstance(scope.get(name), int | str) or scope.get(name) == "":
            raise ApiError(400, f"Bad Request: {name} is empty")


def check_description(params: dict[str, Any], limit: int) -> str:
    """The (short) description of setMy(Short)Description: at most `limit` characters."""
    key = "description" if limit == MAX_DESCRIPTION else "short_description"
    text = params.get(key) or ""
    if not isinstance(text, str) or len(text) > limit:
        raise ApiError(400, f"Bad Request: {key.upper()}_INVALID")
    return text


def commands_key(scope: Any, language_code: Any) -> str:
    scope = scope or {"type": "default"}
    return json.dumps([scope, language_code or ""], sort_keys=True)


def is_loopback_url(url: str) -> bool:
    """Whether url is http(s) on this machine: the only webhooks the stand-in calls."""
    parsed = urllib.parse.urlsplit(url)
    return parsed.scheme in ("http", "https") and parsed.hostname in _LOOPBACK_HOSTS


def update_type(update: dict[str, Any]) -> str:
    return next((k for k in update if k != "update_id"), "")


def forbidden_text(chat_type: str, *, blocked: bool) -> str:
    if chat_type == "private":
        if blocked:
            return "Forbidden: bot was blocked by the user"
        return "Forbidden: bot can't initiate conversation with a user"
    if chat_type == "channel":
        return "Forbidden: bot is not a member of the channel chat"
    if blocked:
        return f"Forbidden: bot was kicked from the {chat_type} chat"
    return f"Forbidden: bot is not a member of the {chat_type} chat"


def status_text(status: int) -> str:
    texts = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
    return texts.get(status, f"Error {status}")
