"""A Telegram Bot API stand-in on 127.0.0.1 for tests and benchmarks.

In a test::

    with BotApiStandIn() as api:                      # port 0, background thread
        bot = telegram.Bot(api.token, base_url=api.base_url)
        api.push_update(command_update("start"))      # see tests/support/tg_updates.py
        api.wait_for_messages_sync(1)                 # or: await api.wait_for_messages(1)
        assert api.sent_messages(chat_id)[0]["text"] == "..."

It answers `/bot{token}/{method}` (GET or POST; form, JSON or multipart) for getMe,
getUpdates (long poll), deleteWebhook, setWebhook, getWebhookInfo, setMyCommands,
getMyCommands, deleteMyCommands (with their scopes, checked), setMyDescription,
getMyDescription, setMyShortDescription, getMyShortDescription (lengths checked as
Telegram does: 512 and 120), sendMessage, sendDocument (a multipart upload, as PTB sends
bytes, or a file_id; the caption checked like a text, up to 1024), getFile (400 "file is too
big" above 20 MB, as for bots) and downloads at `/file/bot{token}/{file_path}` of the files a
test added with `add_file()` or the bot sent, editMessageText, editMessageReplyMarkup,
deleteMessage, answerCallbackQuery, getChat, getChatMember, getChatAdministrators and
leaveChat. A webhook set on http(s)://127.0.0.1 (or localhost) gets queued updates POSTed
to it with the secret token header, as Telegram does; other webhook URLs are only stored.
Any other method gets 404 and is listed in `unknown_calls`. Every call is listed in
`calls` when it arrives (a `Call` whose status is None until it is answered). Like Telegram
it rejects malformed HTML, empty texts and texts over 4096 UTF-16 code units (400), bad
inline keyboards (400), blocked chats (403), migrated groups (400 with migrate_to_chat_id)
and, when limits are set, floods (429 with retry_after). Scripted faults:
`force_429`, `fail_next`, `pause`/`resume`.

Flood limits are off unless set (constructor or `set_limits`): `global_per_s` in any 1 s
window, `private_per_s` per private chat in any 1 s window, `group_per_min` per group,
supergroup or channel in any 60 s window (kind from the id: negative = group; or `set_chat`).
Only sendMessage is limited; a send refused with 429 is not recorded as sent. PTB 22 warns
when `RetryAfter.retry_after` is read as int; set PTB_TIMEDELTA=true to get a timedelta.

`sent_documents()` dicts hold chat_id, message_id, file_id, filename, data, mime_type,
caption, plain_caption, parse_mode and message_thread_id; `downloads` lists the file paths
fetched. `sent_messages()` dicts hold chat_id, message_id, text (as sent), plain_text (after entity
parsing), parse_mode, reply_markup, link_preview_options, disable_web_page_preview and time.
Times are `time.monotonic()` (CLOCK_MONOTONIC: comparable between processes on Linux).

As a separate process (prints its base_url on the first stdout line, serves until SIGTERM)::

    python -m tests.support.tg_api --port 0 --token T --global-per-s 30 \
        [--private-per-s 1] [--group-per-min 20] [--bot-username NAME]

On exit it prints its counts as JSON on stderr.

Control API, on the same server (root = base_url without the trailing "/bot"), answering
`{"ok": true, "result": ...}`; `StandInControl(control_url)` wraps it:

- GET  /_control/sent[?chat_id=N]   messages accepted, oldest first
- GET  /_control/calls[?method=M]   recorded calls
- GET  /_control/counts             {"calls", "sent", "too_many_requests", "unknown_calls"}
- POST /_control/clear_records     forget calls, sent messages, 429 counts, flood windows
- POST /_control/push_update        body: an Update dict; result: its update_id
- POST /_control/{block,unblock,leave}    {"chat_id": N}
- POST /_control/migrate            {"old_id": N, "new_id": M}
- POST /_control/set_limits         {"global_per_s": 30, "private_per_s": 1, "group_per_min": 20}
- POST /_control/set_admins         {"chat_id": N, "user_ids": [..], "creator_id": U}
- POST /_control/set_chat           {"chat_id": N, "chat_type": "channel", "title": "..."}
- POST /_control/force_429          {"n": 3, "retry_after": 2}
- POST /_control/fail_next          {"n": 2, "status": 502, "drop": false, "method": null}
- POST /_control/pause, /_control/resume   (pause here always answers 502, never refuses)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

from tests.support.tg_api_checks import ApiError
from tests.support.tg_api_state import BotApiState, Call, Upload
from tests.support.tg_flood import FloodLimits
from tests.support.tg_updates import BOT_TOKEN, BOT_USERNAME

__all__ = ["ApiError", "BotApiStandIn", "Call", "FloodLimits", "StandInControl"]


class BotApiStandIn(BotApiState):
    """The Bot API on 127.0.0.1 in a background thread; a context manager."""

    def __init__(
        self,
        token: str = BOT_TOKEN,
        *,
        bot_username: str = BOT_USERNAME,
        host: str = "127.0.0.1",
        port: int = 0,
        global_per_s: int | None = None,
        private_per_s: int | None = None,
        group_per_min: int | None = None,
    ) -> None:
        limits = FloodLimits(global_per_s, private_per_s, group_per_min)
        super().__init__(token, bot_username=bot_username, limits=limits)
        self.host = host
        self.port = port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._webhook_task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        """The server root, e.g. http://127.0.0.1:PORT."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """What PTB takes as base_url: it appends the token and /method."""
        return f"{self.url}/bot"

    @property
    def control_url(self) -> str:
        """The root of the control API."""
        return f"{self.url}/_control"

    def __enter__(self) -> BotApiStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> BotApiStandIn:
        """Serve in a background thread (again on the same port after a stop), keeping state."""
        if self._loop is not None:
            return self
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="tg-api-standin", daemon=True
        )
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(timeout=10)
        return self

    def stop(self) -> None:
        """Stop serving; long polls in progress are answered at once."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=10)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)
            loop.close()
            self._loop = self._thread = None

    def pause(self, *, refuse: bool = False) -> None:
        """Telegram unreachable: every Bot API call gets 502, or with refuse=True, no answer.

        With refuse=True the listening socket is closed (connections refused) and requests
        on open connections are dropped; the control API is unreachable until resume().
        """
        with self._lock:
            self._paused = "refuse" if refuse else "502"
        if refuse and self._loop is not None:
            asyncio.run_coroutine_threadsafe(self._close_site(), self._loop).result(timeout=10)

    def resume(self) -> None:
        """Telegram reachable again, on the same port."""
        with self._lock:
            self._paused = None
        if self._loop is not None and self._site is None:
            asyncio.run_coroutine_threadsafe(self._open_site(), self._loop).result(timeout=10)

    def _notify_pollers(self) -> None:
        """Wake long polls (from any thread)."""
        if self._loop is not None and self._loop.is_running():
            self._loop.call_soon_threadsafe(self.wake_pollers)

    async def _serve(self) -> None:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_bot)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/_control/{action}", self._handle_control)
        self._runner = web.AppRunner(
            app, handle_signals=False, access_log=None, shutdown_timeout=1.0
        )
        await self._runner.setup()
        self.closing = False
        await self._open_site()
        self._webhook_task = asyncio.create_task(self._deliver_webhooks())

    async def _open_site(self) -> None:
        assert self._runner is not None
        self._site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await self._site.start()
        self.port = self._runner.addresses[-1][1]

    async def _close_site(self) -> None:
        if self._site is not None:
            await self._site.stop()
            self._site = None

    async def _shutdown(self) -> None:
        self.closing = True
        self.wake_pollers()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner = self._site = None

    async def _deliver_webhooks(self) -> None:
        """POST queued updates, in order, to a webhook set on 127.0.0.1 (never elsewhere)."""
        async with aiohttp.ClientSession() as session:
            while not self.closing:
                event = self._poll_event
                target = self.next_webhook_update()
                if target is None:
                    # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancel.
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(1.0):
                            await event.wait()
                elif not await self._post_update(session, *target):
                    await asyncio.sleep(0.2)

    async def _post_update(
        self, session: aiohttp.ClientSession, url: str, secret: str | None, update: dict
    ) -> bool:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        try:
            async with session.post(
                url, json=update, headers=headers, timeout=aiohttp.ClientTimeout(total=5)
            ) as resp:
                status, error = resp.status, None
        except (aiohttp.ClientError, TimeoutError) as exc:
            status, error = 0, f"Connection failed: {exc!r}"
        self.webhook_delivered(update["update_id"], status, error)
        return 200 <= status < 300

    async def _handle_bot(self, request: web.Request) -> web.StreamResponse:
        arrived = time.monotonic()
        try:
            params = await _read_params(request)
        except ValueError:
            params = {}
        outcome = await self.call(
            request.match_info["token"], request.match_info["method"], params, arrived
        )
        if outcome is None:  # drop the connection without an answer
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=502)
        status, payload = outcome
        return web.json_response(payload, status=status)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        """A file download, as `<base_file_url><token>/<file_path>` (getFile's path)."""
        data = self.download(request.match_info["token"], request.match_info["path"])
        if data is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        return web.Response(body=data, content_type="application/octet-stream")

    async def _handle_control(self, request: web.Request) -> web.StreamResponse:
        body = dict(request.query)
        if request.can_read_body:
            body.update(await request.json())
        try:
            result = self.control(request.match_info["action"], body)
        except (KeyError, TypeError, ValueError) as exc:
            return web.json_response({"ok": False, "description": repr(exc)}, status=400)
        return web.json_response({"ok": True, "result": result})

    def control(self, action: str, body: dict[str, Any]) -> Any:
        """Run one control API action (see the module docstring)."""
        if action == "pause":
            self.pause()
            return True
        if action == "resume":
            self.resume()
            return True
        return _CONTROL_ACTIONS[action](self, body)


_CONTROL_ACTIONS: dict[str, Callable[[BotApiStandIn, dict[str, Any]], Any]] = {
    "sent": lambda s, b: s.sent_messages(_opt_int(b.get("chat_id"))),
    "calls": lambda s, b: [c.as_dict() for c in s.calls if b.get("method") in (None, c.method)],
    "counts": lambda s, b: s.counts(),
    "clear_records": lambda s, b: s.clear_records(),
    "push_update": lambda s, b: s.push_update(b),
    "block": lambda s, b: s.block(int(b["chat_id"])),
    "unblock": lambda s, b: s.unblock(int(b["chat_id"])),
    "leave": lambda s, b: s.leave(int(b["chat_id"])),
    "migrate": lambda s, b: s.migrate(int(b["old_id"]), int(b["new_id"])),
    "set_limits": lambda s, b: s.set_limits(**b),
    "set_admins": lambda s, b: s.set_admins(
        int(b["chat_id"]), b.get("user_ids", []), creator_id=b.get("creator_id")
    ),
    "set_chat": lambda s, b: s.set_chat(int(b["chat_id"]), b["chat_type"], b.get("title")),
    "force_429": lambda s, b: s.force_429(int(b.get("n", 1)), int(b.get("retry_after", 1))),
    "fail_next": lambda s, b: s.fail_next(
        int(b.get("n", 1)),
        int(b.get("status", 502)),
        drop=bool(b.get("drop")),
        method=b.get("method"),
    ),
}


def _opt_int(value: Any) -> int | None:
    return None if value in (None, "") else int(value)


async def _read_params(request: web.Request) -> dict[str, Any]:
    """The call's parameters from the query string and a form, multipart or JSON body."""
    params: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        if request.content_type == "application/json":
            body = await request.json()
            if not isinstance(body, dict):
                raise ValueError("JSON body is not an object")
            params.update(body)
        else:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, str):
                    params[key] = value
                else:  # a file part (aiohttp's FileField)
                    data = value.file.read()
                    params[key] = Upload(value.filename, data, value.content_type)
    return params


@dataclass
class StandInControl:
    """A client of the control API, for a stand-in running in another process."""

    control_url: str
    timeout_s: float = 10.0

    @classmethod
    def from_base_url(cls, base_url: str) -> StandInControl:
        """The control client for a stand-in whose base_url (".../bot") is known."""
        return cls(base_url.removesuffix("/bot") + "/_control")

    def request(self, action: str, body: dict[str, Any] | None = None) -> Any:
        """POST (with a body) or GET one action and return its result."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(  # noqa: S310 - a http://127.0.0.1 URL we built
            f"{self.control_url}/{action}",
            data=data,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:  # noqa: S310
            return json.loads(resp.read())["result"]

    def sent_messages(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Messages accepted, oldest first."""
        return self.request("sent" + ("" if chat_id is None else f"?chat_id={chat_id}"))

    def counts(self) -> dict[str, Any]:
        """Call, send, 429 and unknown-call counts."""
        return self.request("counts")

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates; returns its update_id."""
        return self.request("push_update", update)

    def do(self, action: str, **body: Any) -> Any:
        """Any POST action, e.g. do("block", chat_id=5), do("set_limits", global_per_s=30)."""
        return self.request(action, body)


def main(argv: list[str] | None = None) -> None:
    """Run the stand-in until SIGTERM or SIGINT, printing its base_url first."""
    parser = argparse.ArgumentParser(prog="python -m tests.support.tg_api")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default=BOT_TOKEN)
    parser.add_argument("--bot-username", default=BOT_USERNAME)
    parser.add_argument("--global-per-s", type=int)
    parser.add_argument("--private-per-s", type=int)
    parser.add_argument("--group-per-min", type=int)
    args = parser.parse_args(argv)
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    standin = BotApiStandIn(
        args.token,
        bot_username=args.bot_username,
        host=args.host,
        port=args.port,
        global_per_s=args.global_per_s,
        private_per_s=args.private_per_s,
        group_per_min=args.group_per_min,
    )
    with standin:
        print(standin.base_url, flush=True)
        while not done.wait(0.5):
            pass
    print(json.dumps(standin.counts()), file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
