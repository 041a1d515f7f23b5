"""The callback data of every inline button: built and read back in this one module.

Telegram carries at most 64 bytes per button. Each kind has a builder (used by the views and
handlers), a pattern (for its `CallbackQueryHandler`) and a reader that bounds every number and
value: a forged or stale button is a `UserError` "This button has expired", never a crash.

- `latest:<count>:<page>`: Prev/Next under /latest
- `topic:<page>:<ref>`: Prev/Next under /topic, and the Search button under plain text
- `follow:<ref>`: Follow under /topic
- `sub:<key>`: Subscribe under a link sent as text (the URL is kept in the store under `key`)
- `subdef`: Subscribe to the suggested (default) feeds, under /start
- `unsub:<feed id>`: Remove under /feeds (asks first)
- `yes:unsub:<feed id>`, `yes:unsuball`, `yes:unfollowall`: Yes under a question before removing
- `no:feeds`, `no:all`: Cancel under it (back to /feeds, or nothing removed)
- `undo:<token>`: Undo under what a Yes removed (the removal is kept under `token` a minute)
- `set:<name>:<value>`: the /settings buttons
- `manage:<chat id>`: a chat picked under /manage (`manage:0`: the private chat again)
- `dg:f:<page>` / `dg:s:0`: a digest message shown with its full summaries (that page) or as
  its compact list again (the stories are the message's own deliveries)

`subdef`, `unsub:`, `filt:`, `yes:`, `no:`, `undo:` and `set:` carry `@<chat id>` of the chat
their view was built for: pressed after /manage switched to another chat, they are refused
instead of changing that one.

A topic `ref` is `q<query>` when the query fits, else `h<key>` of the query kept in the store.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot import texts
from bot.config import MAX_SUMMARY_SENTENCES
from bot.errors import UserError
from bot.i18n import LANGUAGES
from bot.services.stories import LATEST_MAX

MAX_BYTES = 64
INLINE_QUERY_BYTES = 40  # a query up to this many bytes rides in the button itself
MAX_PAGE = 1000  # no real list has more pages; a bigger number is a forged button
MAX_ID = 2**31 - 1
DIGEST_MODES = ("instant", "daily", "off")
SETTING_VIEWS = ("main", "times", "zones", "langs")

LATEST = r"^latest:\d+:\d+$"
TOPIC = r"^topic:\d+:"
FOLLOW = r"^follow:"
SUBSCRIBE = r"^sub:[0-9a-f]{16}$"
_FOR_CHAT = r"(@-?\d{1,14})?"
UNSUBSCRIBE = rf"^unsub:\d+{_FOR_CHAT}$"
FEED_FILTER = rf"^filt:\d+(:off)?{_FOR_CHAT}$"
DEFAULTS = rf"^subdef{_FOR_CHAT}$"
REMOVE_ALL = ("unsuball", "unfollowall")
CONFIRM = rf"^yes:(unsuball|unfollowall|unsub:\d+){_FOR_CHAT}$"
CANCEL = rf"^no:(feeds|all){_FOR_CHAT}$"
UNDO = rf"^undo:[0-9a-f]{{8}}{_FOR_CHAT}$"
SETTING = rf"^set:\w+:\w+{_FOR_CHAT}$"
MANAGE = r"^manage:-?\d+$"
DIGEST = r"^dg:[fs]:\d+$"
MAX_CHAT_ID = 10**13  # Telegram chat ids have at most 52 significant bits; -100… is 13 digits


@dataclass(frozen=True)
class QueryRef:
    """A topic query carried by a button: the query itself, or the key it is stored under."""

    inline: str | None = None
    key: str | None = None


def latest(count: int, page: int) -> str:
    """`latest:<count>:<page>`."""
    return f"latest:{count}:{page}"


def topic(page: int, ref: str) -> str:
    """`topic:<page>:<ref>`."""
    return f"topic:{page}:{ref}"


def follow(ref: str) -> str:
    """`follow:<ref>`."""
    return f"follow:{ref}"


def subscribe(key: str) -> str:
    """`sub:<key>`."""
    return f"sub:{key}"


def defaults(chat_id: int) -> str:
    """`subdef@<chat id>`."""
    return _for_chat("subdef", chat_id)


def unsubscribe(feed_id: int, chat_id: int | None = None) -> str:
    """`unsub:<feed id>[@<chat id>]`."""
    return _for_chat(f"unsub:{feed_id}", chat_id)


def confirm(action: str, chat_id: int) -> str:
    """`yes:<action>@<chat id>`: `unsub:<feed id>`, `unsuball` or `unfollowall`."""
    return _for_chat(f"yes:{action}", chat_id)


def cancel(back_to_feeds: bool, chat_id: int) -> str:
    """`no:feeds@<chat id>` (back to /feeds) or `no:all@<chat id>`."""
    return _for_chat(f"no:{'feeds' if back_to_feeds else 'all'}", chat_id)


def undo(token: str, chat_id: int) -> str:
    """`undo:<token>@<chat id>`."""
    return _for_chat(f"undo:{token}", chat_id)


def feed_filter(feed_id: int, chat_id: int | None = None, clear: bool = False) -> str:
    """`filt:<feed id>[:off][@<chat id>]`: show a feed's filter, or clear it."""
    return _for_chat(f"filt:{feed_id}" + (":off" if clear else ""), chat_id)


def read_feed_filter(data: str) -> tuple[int, bool]:
    """(feed id, clear) of a `filt:` button."""
    parts = data.split(":")
    if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] != "off"):
        raise UserError(texts.BUTTON_EXPIRED)
    return _number(parts[1], 1, MAX_ID), len(parts) == 3


def setting(name: str, value: str | int, chat_id: int | None = None) -> str:
    """`set:<name>:<value>[@<chat id>]`."""
    return _for_chat(f"set:{name}:{value}", chat_id)


def _for_chat(data: str, chat_id: int | None) -> str:
    return data if chat_id is None else f"{data}@{chat_id}"


def split_chat(data: str) -> tuple[str, int | None]:
    """The button's data without its `@<chat id>`, and that chat id (None: it has none)."""
    head, at, tail = data.rpartition("@")
    digits = tail.removeprefix("-")
    if not at or not digits.isascii() or not digits.isdigit() or len(digits) > 14:
        return data, None
    return head, int(tail)


def manage(chat_id: int) -> str:
    """`manage:<chat id>`; 0 for the private chat itself."""
    return f"manage:{chat_id}"


def digest_view(full: bool, page: int) -> str:
    """`dg:f:<page>` (full summaries) or `dg:s:<page>` (the compact list)."""
    return f"dg:{'f' if full else 's'}:{page}"


def read_digest_view(data: str) -> tuple[bool, int]:
    """(full, page) of a `dg:` button."""
    _, view, page = _parts(data, 3)
    if view not in ("f", "s"):
        raise UserError(texts.BUTTON_EXPIRED)
    return view == "f", _number(page, 0, MAX_PAGE)


def inline_ref(query: str) -> str | None:
    """`q<query>` when the query is short enough to ride in a button, else None.

    Nor does a query with an `@` ride: `@<digits>` at the end of any button's data is read as
    the chat it was made for (`split_chat`), so `syria@2024` would be cut to `syria`.
    """
    if "@" in query or len(query.encode()) > INLINE_QUERY_BYTES:
        return None
    return "q" + query


def stored_ref(key: str) -> str:
    """`h<key>`: a query kept in the store under `key`."""
    return "h" + key


def read_latest(data: str) -> tuple[int, int]:
    """(count, page) of a `latest:` button."""
    _, count, page = _parts(data, 3)
    return _number(count, 1, LATEST_MAX), _number(page, 0, MAX_PAGE)


def read_topic(data: str) -> tuple[int, QueryRef]:
    """(page, query ref) of a `topic:` button."""
    _, page, ref = _parts(data, 3)
    return _number(page, 0, MAX_PAGE), read_ref(ref)


def read_follow(data: str) -> QueryRef:
    """The query ref of a `follow:` button."""
    return read_ref(_parts(data, 2)[1])


def read_subscribe(data: str) -> str:
    """The store key of a `sub:` button."""
    return _parts(data, 2)[1]


def read_unsubscribe(data: str) -> int:
    """The feed id of an `unsub:` button."""
    return _number(_parts(data, 2)[1], 1, MAX_ID)


def read_confirm(data: str) -> tuple[str, int | None]:
    """(action, feed id) of a `yes:` button: ("unsub", id), or ("unsuball" | "unfollowall",
    None)."""
    action = _parts(data, 2)[1]
    if action in REMOVE_ALL:
        return action, None
    if action.startswith("unsub:"):
        return "unsub", read_unsubscribe(action)
    raise UserError(texts.BUTTON_EXPIRED)


def read_cancel(data: str) -> bool:
    """Whether a `no:` button goes back to /feeds."""
    return _parts(data, 2)[1] == "feeds"


def read_undo(data: str) -> str:
    """The token of an `undo:` button."""
    return _parts(data, 2)[1]


def read_setting(data: str) -> tuple[str, int | bool | str]:
    """(name, value) of a `set:` button: sentences, dlen, tz → int; previews, silent → bool;
    digest → mode; time → `HH:MM`; quiet → `toggle`; view → `main|times|zones`."""
    _, name, value = _parts(data, 3)
    if name == "sentences":
        return name, _number(value, 0, MAX_SUMMARY_SENTENCES)
    if name == "dlen":
        return name, _number(value, 0, MAX_SUMMARY_SENTENCES)
    if name == "tz":
        return name, _number(value, 0, 99)
    if name == "lang":  # the index of a language in `bot.i18n.LANGUAGES`
        return name, _number(value, 0, len(LANGUAGES) - 1)
    if name in ("previews", "silent") and value in ("on", "off"):  # data, never translated
        return name, value == "on"
    if name == "digest" and value in DIGEST_MODES:
        return name, value
    if name == "time" and len(value) == 4 and value.isascii() and value.isdigit():
        return name, f"{value[:2]}:{value[2:]}"
    if (name, value) == ("quiet", "toggle") or (name == "view" and value in SETTING_VIEWS):
        return name, value
    raise UserError(texts.BUTTON_EXPIRED)


def read_manage(data: str) -> int:
    """The chat id of a `manage:` button (0: the private chat)."""
    value = _parts(data, 2)[1]
    digits = value.removeprefix("-")
    if not digits.isascii() or not digits.isdigit() or len(digits) > 14:
        raise UserError(texts.BUTTON_EXPIRED)
    if int(digits) > MAX_CHAT_ID:
        raise UserError(texts.BUTTON_EXPIRED)
    return int(value)


def read_ref(ref: str) -> QueryRef:
    """A `q…` or `h…` query ref."""
    if ref.startswith("q") and len(ref) > 1:
        return QueryRef(inline=ref[1:])
    if ref.startswith("h") and len(ref) > 1:
        return QueryRef(key=ref[1:])
    raise UserError(texts.BUTTON_EXPIRED)


def _parts(data: str, count: int) -> list[str]:
    """The `count` colon-separated fields of callback data (the last keeps its colons)."""
    parts = data.split(":", count - 1)
    if len(parts) != count:
        raise UserError(texts.BUTTON_EXPIRED)
    return parts


def _number(text: str, low: int, high: int) -> int:
    """A number carried by a button, within [low, high]; a forged or stale one has expired."""
    if not text.isascii() or not text.isdigit() or len(text) > 10 or not low <= int(text) <= high:
        raise UserError(texts.BUTTON_EXPIRED)
    return int(text)
