"""The state behind the Bot API stand-in in `tg_api.py`: updates, records, controls (no HTTP).

`BotApiState.call(token, method, params)` answers one Bot API call as (status, payload) and
records it. The test-facing helpers (push_update, block, migrate, sent_messages, wait_for...)
are thread-safe: the server runs in its own thread and event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from tests.support.tg_api_checks import (
    CONFLICT_POLL,
    CONFLICT_WEBHOOK,
    DEFAULT_ALLOWED_UPDATES,
    ApiError,
    commands_key,
    int_param,
    is_loopback_url,
    normalise_params,
    status_text,
    update_type,
)
from tests.support.tg_api_methods import SYNC_METHODS, BotApiMethods
from tests.support.tg_flood import FloodGate, FloodLimits
from tests.support.tg_updates import chat_type_of


@dataclass
class Call:
    """One recorded Bot API call, listed when it arrives; status is None until answered."""

    method: str
    params: dict[str, Any]
    time: float  # time.monotonic() when it arrived
    status: int | None = None  # 0: connection dropped
    description: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (an uploaded file as its repr)."""
        params = {k: repr(v) if isinstance(v, Upload) else v for k, v in self.params.items()}
        return {**asdict(replace(self, params={})), "params": params}


class Upload:
    """A file PTB uploaded in a multipart call (sendDocument's `document`)."""

    def __init__(self, filename: str, data: bytes, content_type: str) -> None:
        self.filename, self.data, self.content_type = filename, data, content_type

    def __repr__(self) -> str:
        return f"<file {self.filename!r}, {len(self.data)} bytes>"


@dataclass
class StoredFile:
    """A file the stand-in holds for getFile and download: added by a test or sent by the bot."""

    file_id: str
    file_name: str | None
    mime_type: str | None
    data: bytes
    file_size: int  # what the Document and getFile say (a test may claim another size)
    file_path: str

    def document(self) -> dict[str, Any]:
        """The Document dict a message carries."""
        document: dict[str, Any] = {
            "file_id": self.file_id,
            "file_unique_id": f"u-{self.file_id}",
            "file_size": self.file_size,
        }
        if self.file_name is not None:
            document["file_name"] = self.file_name
        if self.mime_type is not None:
            document["mime_type"] = self.mime_type
        return document


@dataclass
class _Fault:
    status: int
    drop: bool
    method: str | None


@dataclass
class _ChatInfo:
    chat_type: str
    title: str | None = None
    admins: list[int] = field(default_factory=list)
    creator_id: int | None = None
    username: str | None = None  # a public chat's @name, without the @
    cannot_post: set[int] = field(default_factory=set)  # channel admins without can_post_messages
    topics: dict[int, str] = field(default_factory=dict)  # a forum's topics: id → open|closed


class BotApiState(BotApiMethods):
    """Everything the stand-in knows, and the Bot API methods over it."""

    def __init__(self, token: str, *, bot_username: str, limits: FloodLimits) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1
        self.bot_username = bot_username
        self.calls: list[Call] = []
        self.unknown_calls: list[Call] = []
        self.too_many_requests = 0
        self.polling = 0  # getUpdates calls waiting right now
        self.closing = False
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._paused: str | None = None
        self._poll_event = asyncio.Event()
        self._poll_generation = 0
        self._updates: deque[dict[str, Any]] = deque()
        self._next_update_id = 1
        self._allowed_updates: frozenset[str] = DEFAULT_ALLOWED_UPDATES
        self._webhook: dict[str, Any] = {}
        self._webhook_error: tuple[int, str] | None = None
        self.webhook_deliveries: list[tuple[int, int]] = []  # (update_id, HTTP status or 0)
        self._commands: dict[str, list[dict[str, Any]]] = {}
        self._descriptions: dict[tuple[str, str], str] = {}  # (kind, language) → text
        self._sent: list[dict[str, Any]] = []
        self._sent_per_chat: dict[int, int] = {}
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._next_message_id: dict[int, int] = {}
        self._chats: dict[int, _ChatInfo] = {}
        self._blocked: set[int] = set()
        self._left: set[int] = set()
        self._migrated: dict[int, int] = {}
        self._files: dict[str, StoredFile] = {}  # file_id → file, for getFile and download
        self._documents: list[dict[str, Any]] = []  # what sendDocument accepted
        self.downloads: list[str] = []  # file paths downloaded, in order
        self._inline_queries: set[str] = set()  # ids of inline queries sent to the bot
        self._inline_answers: dict[str, dict[str, Any]] = {}
        self._gate = FloodGate(limits)
        self._forced_429: deque[int] = deque()
        self._faults: deque[_Fault] = deque()
        self._methods: dict[str, Callable[[dict[str, Any]], Any]] = {
            name.lower(): getattr(self, f"_api_{name}") for name in SYNC_METHODS
        }

    # --- test controls -------------------------------------------------------------------

    @property
    def limits(self) -> FloodLimits:
        """The flood limits in force."""
        return self._gate.limits

    def set_limits(self, **limits: int | None) -> None:
        """Change flood limits (global_per_s, private_per_s, group_per_min; None = off)."""
        with self._lock:
            self._gate.limits = replace(self._gate.limits, **limits)
            self._gate.reset()

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates (update_id assigned if absent); returns its id."""
        update = dict(update.to_dict() if hasattr(update, "to_dict") else update)
        with self._lock:
            update.setdefault("update_id", self._next_update_id)
            self._next_update_id = max(self._next_update_id, update["update_id"] + 1)
            self._updates.append(update)
            if len(self._updates) > 1 and self._updates[-2]["update_id"] > update["update_id"]:
                self._updates = deque(sorted(self._updates, key=lambda u: u["update_id"]))
        self._notify_pollers()
        return update["update_id"]

    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by a getUpdates offset."""
        with self._lock:
            return list(self._updates)

    def block(self, chat_id: int) -> None:
        """The user blocked the bot / the bot was kicked: calls to the chat get 403."""
        with self._lock:
            self._blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        """The chat accepts the bot again."""
        with self._lock:
            self._blocked.discard(chat_id)
            self._left.discard(chat_id)

    def leave(self, chat_id: int) -> None:
        """The bot is no longer a member of the chat (as after leaveChat)."""
        with self._lock:
            self._left.add(chat_id)

    def migrate(self, old_id: int, new_id: int) -> None:
        """The group old_id became the supergroup new_id: sends to old_id get ChatMigrated."""
        with self._lock:
            self._migrated[old_id] = new_id
            self._chats.setdefault(new_id, _ChatInfo("supergroup"))

    def set_chat(
        self, chat_id: int, chat_type: str, title: str | None = None, username: str | None = None
    ) -> None:
        """Declare a chat's type (private, group, supergroup, channel), title and @username."""
        with self._lock:
            info = self._chats.setdefault(chat_id, _ChatInfo(chat_type))
            info.chat_type, info.title, info.username = chat_type, title, username

    def set_forum_topic(self, chat_id: int, thread_id: int, state: str = "open") -> None:
        """Make the chat a forum with this topic open, closed, or deleted ("deleted")."""
        with self._lock:
            info = self._chats.setdefault(chat_id, _ChatInfo("supergroup"))
            info.topics[thread_id] = state

    def inline_query_sent(self, query_id: str) -> None:
        """An inline query with this id went to the bot (it may answer it once)."""
        with self._lock:
            self._inline_queries.add(query_id)

    def inline_answer(self, query_id: str) -> dict[str, Any] | None:
        """The bot's answerInlineQuery for this query, or None."""
        with self._lock:
            return self._inline_answers.get(query_id)

    def add_file(
        self,
        data: bytes,
        file_name: str | None = "feeds.opml",
        mime_type: str | None = "text/x-opml",
        *,
        file_size: int | None = None,
    ) -> dict[str, Any]:
        """Hold a file as if a user had sent it; its Document dict (for document_update).
        `file_size` claims another size than the bytes have (None: their length)."""
        with self._lock:
            stored = self._store_file(data, file_name, mime_type, file_size)
        return stored.document()

    def _store_file(
        self,
        data: bytes,
        file_name: str | None,
        mime_type: str | None,
        file_size: int | None = None,
    ) -> StoredFile:
        """Keep a file under a new file_id (lock held)."""
        number = len(self._files) + 1
        suffix = (file_name or "").rpartition(".")[2] if "." in (file_name or "") else "bin"
        stored = StoredFile(
            f"file-{number}",
            file_name,
            mime_type,
            data,
            len(data) if file_size is None else file_size,
            f"documents/file_{number}.{suffix}",
        )
        self._files[stored.file_id] = stored
        return stored

    def download(self, token: str, file_path: str) -> bytes | None:
        """The bytes at `/file/bot<token>/<file_path>`, or None (404), as Telegram serves them."""
        with self._lock:
            if token != self.token:
                return None
            found = next((f for f in self._files.values() if f.file_path == file_path), None)
            if found is None:
                return None
            self.downloads.append(file_path)
            return found.data

    def sent_documents(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Documents accepted by sendDocument (oldest first): chat_id, message_id, file_id,
        filename, data, mime_type, caption (as sent), plain_caption, parse_mode,
        message_thread_id."""
        with self._lock:
            return [dict(d) for d in self._documents if chat_id in (None, d["chat_id"])]

    def set_can_post(self, chat_id: int, user_id: int, allowed: bool) -> None:
        """Give or take a channel administrator's can_post_messages right."""
        with self._lock:
            info = self._chats.setdefault(chat_id, _ChatInfo("channel"))
            (info.cannot_post.discard if allowed else info.cannot_post.add)(user_id)

    def set_admins(
        self, chat_id: int, user_ids: list[int], *, creator_id: int | None = None
    ) -> None:
        """Set the chat's administrators (and creator) for getChatMember(Administrators)."""
        with self._lock:
            info = self._chats.setdefault(chat_id, _ChatInfo(chat_type_of(chat_id)))
            info.admins, info.creator_id = list(user_ids), creator_id

    def force_429(self, n: int, retry_after: int = 1) -> None:
        """The next n sendMessage calls get 429 with this retry_after, whatever the limits."""
        with self._lock:
            self._forced_429.extend([retry_after] * n)

    def fail_next(
        self, n: int, status: int = 502, *, drop: bool = False, method: str | None = None
    ) -> None:
        """The next n calls (of `method`, or any) get `status`, or a dropped connection."""
        with self._lock:
            self._faults.extend(_Fault(status, drop, method) for _ in range(n))

    def clear_records(self) -> None:
        """Forget recorded calls, sent messages, 429 counts and flood windows (not chats)."""
        with self._lock:
            self.calls.clear()
            self.unknown_calls.clear()
            self._sent.clear()
            self._sent_per_chat.clear()
            self._documents.clear()
            self.downloads.clear()
            self.too_many_requests = 0
            self._gate.reset()

    # --- what happened -------------------------------------------------------------------

    def sent_messages(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Messages accepted by sendMessage (oldest first), optionally for one chat."""
        with self._lock:
            return [dict(m) for m in self._sent if chat_id is None or m["chat_id"] == chat_id]

    def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """A message as it is now (after edits), or None if unknown or deleted."""
        with self._lock:
            return self._messages.get((chat_id, message_id))

    def calls_of(self, method: str) -> list[Call]:
        """Recorded calls of one method (case-insensitive, as Telegram's names are)."""
        with self._lock:
            return [c for c in self.calls if c.method.lower() == method.lower()]

    def commands(self, scope: dict[str, Any] | None = None, language_code: str = "") -> list:
        """The command list set for a scope (default scope if None)."""
        with self._lock:
            return list(self._commands.get(commands_key(scope, language_code), []))

    def command_scopes(self) -> list[dict[str, Any]]:
        """The scopes (and languages) that have a command list set, as set."""
        with self._lock:
            return [json.loads(key)[0] for key in self._commands]

    def description(self, language_code: str = "", *, short: bool = False) -> str:
        """The bot's description (or short description) as set ("" if never set)."""
        kind = "short_description" if short else "description"
        with self._lock:
            return self._descriptions.get((kind, language_code), "")

    def counts(self) -> dict[str, Any]:
        """Numbers of calls, accepted sends, 429s and unknown calls."""
        with self._lock:
            return {
                "calls": len(self.calls),
                "sent": len(self._sent),
                "too_many_requests": self.too_many_requests,
                "unknown_calls": len(self.unknown_calls),
            }

    def wait_for(
        self,
        condition: int | Callable[[], bool],
        timeout: float = 10.0,
        *,
        chat_id: int | None = None,
    ) -> None:
        """Block until condition() holds, or until `condition` messages were sent."""
        check = self._condition(condition, chat_id)
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise TimeoutError(f"stand-in: condition not met in {timeout}s; {self}")
            with self._changed:
                self._changed.wait(0.05)

    async def wait_for_async(
        self,
        condition: int | Callable[[], bool],
        timeout: float = 10.0,  # noqa: ASYNC109 - same signature as wait_for
        *,
        chat_id: int | None = None,
    ) -> None:
        """Like wait_for, without blocking the caller's event loop."""
        check = self._condition(condition, chat_id)
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise TimeoutError(f"stand-in: condition not met in {timeout}s; {self}")
            await asyncio.sleep(0.01)

    async def wait_for_messages(
        self,
        n: int,
        chat_id: int | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 - same signature as the sync variant
    ) -> list[dict[str, Any]]:
        """Wait until at least n messages were sent (to chat_id); return them."""
        await self.wait_for_async(n, timeout, chat_id=chat_id)
        return self.sent_messages(chat_id)

    def wait_for_messages_sync(
        self, n: int, chat_id: int | None = None, timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        """Blocking variant of wait_for_messages."""
        self.wait_for(n, timeout, chat_id=chat_id)
        return self.sent_messages(chat_id)

    def __str__(self) -> str:
        return f"{type(self).__name__}({self.counts()})"

    def _condition(
        self, condition: int | Callable[[], bool], chat_id: int | None
    ) -> Callable[[], bool]:
        if callable(condition):
            return condition
        if chat_id is None:
            return lambda: len(self._sent) >= condition
        return lambda: self._sent_per_chat.get(chat_id, 0) >= condition

    # --- serving -------------------------------------------------------------------------

    def _notify_pollers(self) -> None:
        """Wake long polls; the server overrides this to hop onto its event loop."""

    def wake_pollers(self) -> None:
        """Wake every waiting getUpdates (call on the server's event loop)."""
        event, self._poll_event = self._poll_event, asyncio.Event()
        event.set()

    async def call(
        self, token: str, method: str, params: dict[str, Any], arrived: float | None = None
    ) -> tuple[int, dict[str, Any]] | None:
        """Answer one Bot API call as (status, JSON payload), or None to drop the connection."""
        arrived = time.monotonic() if arrived is None else arrived
        call = Call(method, normalise_params(params), arrived)
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        try:
            if self._take_fault(method) == "drop":
                self._answered(call, 0, "connection dropped")
                return None
            result = await self._dispatch(token, method, call.params)
        except ApiError as err:
            self._answered(call, err.status, err.description)
            return err.status, err.payload()
        self._answered(call, 200)
        return 200, {"ok": True, "result": result}

    async def _dispatch(self, token: str, method: str, params: dict[str, Any]) -> Any:
        if token != self.token:
            raise ApiError(401, "Unauthorized")
        name = method.lower()
        if name == "getupdates":
            return await self._get_updates(params)
        if name not in self._methods:
            raise ApiError(404, "Not Found: method not found")
        return self._methods[name](params)

    def _take_fault(self, method: str) -> str | None:
        with self._lock:
            if self._paused == "refuse":
                return "drop"
            fault = next(
                (
                    f
                    for f in self._faults
                    if f.method is None or f.method.lower() == method.lower()
                ),
                None,
            )
            if fault is not None:
                self._faults.remove(fault)
                if fault.drop:
                    return "drop"
                raise ApiError(fault.status, status_text(fault.status))
            if self._paused == "502":
                raise ApiError(502, "Bad Gateway")
        return None

    def _answered(self, call: Call, status: int, description: str | None = None) -> None:
        """Complete a recorded call with its answer."""
        with self._changed:
            call.status, call.description = status, description
            if status == 404 and description == "Not Found: method not found":
                self.unknown_calls.append(call)
            if status == 429:
                self.too_many_requests += 1
            self._changed.notify_all()

    # --- getUpdates ----------------------------------------------------------------------

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        limit = min(max(int_param(params.get("limit", 100), "limit"), 1), 100)
        timeout = max(float(params.get("timeout", 0) or 0), 0.0)
        deadline = time.monotonic() + timeout
        with self._lock:
            if self._webhook.get("url"):
                raise ApiError(409, CONFLICT_WEBHOOK)
            allowed = params.get("allowed_updates")
            if isinstance(allowed, list):
                self._allowed_updates = frozenset(allowed) or DEFAULT_ALLOWED_UPDATES
            self._confirm(params.get("offset"))
            self._poll_generation += 1
            generation = self._poll_generation
        self.wake_pollers()
        self.polling += 1
        try:
            return await self._poll(generation, limit, deadline)
        finally:
            self.polling -= 1

    async def _poll(self, generation: int, limit: int, deadline: float) -> list[dict[str, Any]]:
        """Wait for updates until the deadline, a newer getUpdates, or shutdown."""
        while True:
            event = self._poll_event
            with self._lock:
                if generation != self._poll_generation:
                    raise ApiError(409, CONFLICT_POLL)
                batch = self._take_updates(limit)
            remaining = deadline - time.monotonic()
            if batch or self.closing or remaining <= 0:
                return batch
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await event.wait()

    def next_webhook_update(self) -> tuple[str, str | None, dict[str, Any]] | None:
        """(url, secret_token, update) to POST to a loopback webhook now, or None."""
        with self._lock:
            url = self._webhook.get("url")
            if not url or not is_loopback_url(url):
                return None
            allowed = self._webhook.get("allowed_updates")
            allowed = frozenset(allowed) if isinstance(allowed, list) and allowed else None
            while self._updates:
                update = self._updates[0]
                if update_type(update) in (allowed or DEFAULT_ALLOWED_UPDATES):
                    return url, self._webhook.get("secret_token"), update
                self._updates.popleft()
        return None

    def webhook_delivered(self, update_id: int, status: int, error: str | None) -> None:
        """Record a webhook POST; a 2xx answer confirms the update."""
        with self._changed:
            self.webhook_deliveries.append((update_id, status))
            if 200 <= status < 300:
                if self._updates and self._updates[0]["update_id"] == update_id:
                    self._updates.popleft()
            else:
                self._webhook_error = (int(time.time()), error or f"Wrong response: {status}")
            self._changed.notify_all()

    def _confirm(self, offset: Any) -> None:
        """Forget updates confirmed by `offset` (negative: keep only the last -offset)."""
        if offset is None:
            return
        offset = int_param(offset, "offset")
        if offset < 0:
            while len(self._updates) > -offset:
                self._updates.popleft()
        else:
            while self._updates and self._updates[0]["update_id"] < offset:
                self._updates.popleft()

    def _take_updates(self, limit: int) -> list[dict[str, Any]]:
        """Drop queued updates of types not allowed, then return up to `limit`."""
        kept = [u for u in self._updates if update_type(u) in self._allowed_updates]
        if len(kept) != len(self._updates):
            self._updates = deque(kept)
        return kept[:limit]
