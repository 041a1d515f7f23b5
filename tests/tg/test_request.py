"""`AiohttpRequest`: PTB's calls over aiohttp, with PTB's errors, timeouts and uploads.

The Bot API errors (429, 403, 400, a migrated group) are PTB's own, read from the answers of
the stand-in; the transport's are mapped here: timeouts to `TimedOut`, the rest to
`NetworkError`, and neither carries the token.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import telegram
from aiohttp import web
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.config import TelegramConfig
from bot.tg.request import AiohttpRequest, bot_api_request
from tests.support.tg_api import BotApiStandIn
from tests.support.tg_updates import BOT_TOKEN

CHAT = 424242


@contextlib.asynccontextmanager
async def bot_on(base_url: str, **kw: Any) -> AsyncIterator[telegram.Bot]:
    """A PTB `Bot` on an `AiohttpRequest` for `base_url`, not yet initialised (no getMe)."""
    request = AiohttpRequest(base_url, **kw)
    await request.initialize()
    try:
        yield telegram.Bot(BOT_TOKEN, base_url=base_url, request=request)
    finally:
        await request.shutdown()


@pytest.fixture
def silent() -> Iterator[str]:
    """A base_url on 127.0.0.1 whose server accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)  # the kernel completes the handshakes; nobody reads or answers
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/bot"


async def test_bot_api_answers_and_refusals_reach_ptb(api: BotApiStandIn) -> None:
    async with bot_on(api.base_url) as bot:
        assert (await bot.get_me()).username == api.bot_username
        sent = await bot.send_message(CHAT, "<b>hi</b>", parse_mode="HTML")
        assert api.sent_messages(CHAT)[0]["text"] == "<b>hi</b>"
        assert sent.message_id == api.sent_messages(CHAT)[0]["message_id"]
        with pytest.raises(BadRequest, match="Can't parse entities"):
            await bot.send_message(CHAT, "<b>unclosed", parse_mode="HTML")
        api.force_429(1, 7)
        with pytest.raises(RetryAfter):
            await bot.send_message(CHAT, "again")
        api.block(CHAT)
        with pytest.raises(Forbidden):
            await bot.send_message(CHAT, "blocked")
        api.migrate(-100, -1001)
        with pytest.raises(ChatMigrated) as migrated:
            await bot.send_message(-100, "moved")
        assert migrated.value.new_chat_id == -1001


async def test_a_server_that_never_answers_is_timed_out(silent: str) -> None:
    async with bot_on(silent, read_timeout=0.1) as bot:
        with pytest.raises(TimedOut) as timed_out:
            await bot.get_me()
    assert BOT_TOKEN not in str(timed_out.value)
    assert timed_out.value.__cause__ is None


async def test_a_call_waits_at_most_its_own_timeout(silent: str) -> None:
    async with bot_on(silent, read_timeout=60) as bot:
        with pytest.raises(TimedOut):
            await bot.get_me(read_timeout=0.1)


async def test_all_connections_busy_is_a_pool_timeout_and_nothing_is_sent(silent: str) -> None:
    async with bot_on(silent, connection_pool_size=1, read_timeout=60, pool_timeout=0.05) as bot:
        first = asyncio.create_task(bot.get_me())
        await asyncio.sleep(0)  # the first call takes the only connection
        with pytest.raises(TimedOut, match="Pool timeout"):
            await bot.get_me()
        first.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await first


async def test_connection_refused_is_a_network_error_without_the_token() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    async with bot_on(f"http://127.0.0.1:{port}/bot") as bot:
        with pytest.raises(NetworkError) as refused:
            await bot.get_me()
    assert not isinstance(refused.value, TimedOut)
    assert "Cannot connect" in refused.value.message
    assert BOT_TOKEN not in str(refused.value)
    assert refused.value.__cause__ is None


async def test_a_request_outside_api_url_is_refused(api: BotApiStandIn, silent: str) -> None:
    request = AiohttpRequest(silent)
    await request.initialize()
    try:
        bot = telegram.Bot(BOT_TOKEN, base_url=api.base_url, request=request)
        with pytest.raises(NetworkError, match="outside telegram\\.api_url"):
            await bot.get_me()
    finally:
        await request.shutdown()
    assert api.calls_of("getMe") == []


@pytest.fixture
async def upload_server() -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    """A loopback server answering sendDocument; returns its base_url and what it got."""
    received: list[dict[str, Any]] = []

    async def send_document(request: web.Request) -> web.Response:
        form = await request.post()
        fields = {
            name: (value.filename, value.content_type, value.file.read())
            if isinstance(value, web.FileField)
            else value
            for name, value in form.items()
        }
        received.append({"path": request.path, "fields": fields})
        chat = {"id": int(str(form["chat_id"])), "type": "private"}
        message = {"message_id": 1, "date": 0, "chat": chat}
        return web.json_response({"ok": True, "result": message})

    app = web.Application()
    app.router.add_post("/bot{token}/sendDocument", send_document)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/bot", received
    finally:
        await runner.cleanup()


async def test_a_multipart_upload_arrives_intact(
    upload_server: tuple[str, list[dict[str, Any]]],
) -> None:
    base_url, received = upload_server
    content = bytes(range(256)) * 64  # every byte value, 16 KiB
    async with bot_on(base_url) as bot:
        document = telegram.InputFile(content, filename="feeds.opml")
        message = await bot.send_document(CHAT, document, caption="Your feeds")
    assert message.chat.id == CHAT
    [call] = received
    assert call["path"] == f"/bot{BOT_TOKEN}/sendDocument"
    fields = call["fields"]
    assert fields["chat_id"] == str(CHAT)
    assert fields["caption"] == "Your feeds"
    [upload] = [v for v in fields.values() if isinstance(v, tuple)]
    assert upload[0] == "feeds.opml"
    assert upload[2] == content


async def test_shutdown_closes_and_initialize_opens_again(api: BotApiStandIn) -> None:
    request = AiohttpRequest(api.base_url)
    bot = telegram.Bot(BOT_TOKEN, base_url=api.base_url, request=request)
    async with bot:
        await bot.get_me()
    with pytest.raises(NetworkError, match="not initialized"):
        await bot.get_me()
    async with bot:
        await bot.get_me()
    await request.shutdown()  # twice is fine


def test_the_config_sizes_the_pool_and_the_long_poll() -> None:
    config = TelegramConfig(request_timeout_s=7.0, connections=12)
    calls = bot_api_request(config)
    updates = bot_api_request(config, long_poll_s=30)
    assert calls.read_timeout == 7.0
    assert updates.read_timeout == 37.0
    assert calls._pool_size == 12
    assert updates._pool_size == 1
