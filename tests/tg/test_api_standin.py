"""The Bot API stand-in, driven by real PTB calls and raw HTTP; its HTML validator; factories."""

from __future__ import annotations

import asyncio
import datetime as dtm
import html
import json
import signal
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import telegram
from aiohttp import web
from hypothesis import given
from hypothesis import strategies as st
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import (
    BadRequest,
    ChatMigrated,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import Application, CommandHandler, ContextTypes

from tests.support.tg_api import BotApiStandIn, StandInControl
from tests.support.tg_flood import FloodGate, FloodLimits
from tests.support.tg_html import TelegramHtmlError, parse_telegram_html, validate_telegram_html
from tests.support.tg_updates import (
    BOT_USERNAME,
    GROUP_CHAT_ID,
    SUPERGROUP_CHAT_ID,
    callback_query_update,
    command_update,
    message_update,
    my_chat_member_update,
)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
PRIVATE = 42
GROUP = -77


@pytest.fixture
def api() -> Iterator[BotApiStandIn]:
    """A running stand-in with no flood limits."""
    with BotApiStandIn() as standin:
        yield standin


@pytest.fixture
async def bot(api: BotApiStandIn) -> AsyncIterator[telegram.Bot]:
    """A PTB Bot talking to the stand-in."""
    async with telegram.Bot(api.token, base_url=api.base_url) as ptb_bot:
        yield ptb_bot


# --- HTML validator -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "plain"),
    [
        ("plain text", "plain text"),
        ("<b>bold <i>both</i></b> <strong>s</strong> <em>e</em>", "bold both s e"),
        ("<u>u</u><ins>i</ins><s>s</s><strike>k</strike><del>d</del>", "uiskd"),
        ('<span class="tg-spoiler">x</span><tg-spoiler>y</tg-spoiler>', "xy"),
        ('<a href="https://e.com/?a=1&amp;b=2">link</a>', "link"),
        ("<a href='https://e.com/'>single</a> <a href=https://e.com/?a=1>bare</a>", "single bare"),
        ('<pre><code class="language-python">x = 1</code></pre>', "x = 1"),
        ("<code>a &lt; b</code>", "a < b"),
        ("<blockquote expandable>long</blockquote><blockquote>q</blockquote>", "longq"),
        ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "👍"),
        ("&lt;&gt;&amp;&quot; &#65;&#x42;&#X43;", '<>&" ABC'),
        ("a > b", "a > b"),
        ("<B>upper</B>", "upper"),
    ],
)
def test_html_valid(html: str, plain: str) -> None:
    assert validate_telegram_html(html) == plain


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<div>x</div>", 'Unsupported start tag "div"'),
        ("<br>", 'Unsupported start tag "br"'),
        ("Q&A", 'Character "&" must be escaped'),
        ("&nbsp;", "Unsupported HTML entity"),
        ("&#0;", "Invalid HTML entity"),
        ("a < b", 'Unsupported start tag ""'),
        ("<b><i>x</b></i>", 'expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag"),
        ('<b class="x">y</b>', 'Unsupported attribute "class" in the tag "b"'),
        ('<span class="other">y</span>', 'Tag "span" must have class "tg-spoiler"'),
        ("<span>y</span>", 'Tag "span" must have class "tg-spoiler"'),
        ('<a href="x>y</a>', "Unclosed start tag"),
        ("<b", "Unclosed start tag"),
        ("<a href>x</a>", "Expected equal sign"),
        ("<tg-emoji>x</tg-emoji>", "emoji-id"),
        ("</b", "Unclosed end tag"),
    ],
)
def test_html_invalid(html: str, reason: str) -> None:
    with pytest.raises(TelegramHtmlError, match=reason.replace("(", r"\(")):
        validate_telegram_html(html)


@given(st.text())
def test_html_escaped_text_round_trips(text: str) -> None:
    assert validate_telegram_html(html.escape(text)) == text
    assert validate_telegram_html(f"<b>{html.escape(text)}</b>") == text


def test_html_error_names_byte_offset() -> None:
    with pytest.raises(TelegramHtmlError, match="at byte offset 9"):
        validate_telegram_html("é &amp; <x>")  # "é" is 2 bytes, so "<" is at byte 9


def test_html_entities_use_utf16_offsets() -> None:
    text, entities = parse_telegram_html(
        '😀 <b>b</b> <a href="https://x.org">l</a> <pre><code class="language-py">c</code></pre>'
        " <blockquote expandable>q</blockquote>"
    )
    assert text == "😀 b l c q"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 1},
        {"type": "text_link", "offset": 5, "length": 1, "url": "https://x.org"},
        {"type": "pre", "offset": 7, "length": 1, "language": "py"},
        {"type": "expandable_blockquote", "offset": 9, "length": 1},
    ]


# --- update factories ----------------------------------------------------------------------


async def test_factories_parse_as_ptb_updates(bot: telegram.Bot) -> None:
    group = Update.de_json(command_update("feeds", chat_id=GROUP_CHAT_ID), bot)
    named = Update.de_json(
        command_update("topic", "syria", bot_username=BOT_USERNAME, chat_id=SUPERGROUP_CHAT_ID),
        bot,
    )
    press = Update.de_json(callback_query_update("rm:3", chat_id=5, message_id=9), bot)
    added = Update.de_json(my_chat_member_update(GROUP_CHAT_ID, new_status="administrator"), bot)
    kicked = Update.de_json(
        my_chat_member_update(5, new_status="kicked", old_status="member"), bot
    )
    assert group.effective_chat.type == "group"
    assert group.message.parse_entities(["bot_command"]) == {group.message.entities[0]: "/feeds"}
    assert named.effective_chat.type == "supergroup"
    assert named.message.text == f"/topic@{BOT_USERNAME} syria"
    assert named.message.entities[0].length == len(f"/topic@{BOT_USERNAME}")
    assert (press.callback_query.data, press.callback_query.message.message_id) == ("rm:3", 9)
    assert added.my_chat_member.new_chat_member.status == "administrator"
    assert kicked.my_chat_member.new_chat_member.status == "kicked"


# --- flood gate (pure) ----------------------------------------------------------------------


def test_flood_gate_is_a_strict_sliding_window() -> None:
    gate = FloodGate(FloodLimits(global_per_s=2))
    assert gate.admit(1, True, 10.0) is None
    assert gate.admit(2, True, 10.5) is None
    assert gate.admit(3, True, 10.9) == 1  # 2 sends in (9.9, 10.9]
    assert gate.admit(3, True, 11.0) is None  # the send at 10.0 left the window
    assert gate.admit(3, True, 11.4) == 1


def test_flood_gate_per_chat_limits() -> None:
    gate = FloodGate(FloodLimits(private_per_s=1, group_per_min=2))
    assert gate.admit(5, True, 0.0) is None
    assert gate.admit(5, True, 0.5) == 1
    assert gate.admit(6, True, 0.5) is None
    assert gate.admit(-5, False, 0.0) is None
    assert gate.admit(-5, False, 10.0) is None
    assert gate.admit(-5, False, 20.0) == 40
    assert gate.admit(-5, False, 60.5) is None


# --- PTB against the stand-in ---------------------------------------------------------------


async def test_get_me(api: BotApiStandIn, bot: telegram.Bot) -> None:
    me = await bot.get_me()
    assert (me.username, me.id) == (BOT_USERNAME, api.bot_id)
    assert api.calls_of("getMe")[0].status == 200


async def test_send_html_message_is_recorded(api: BotApiStandIn, bot: telegram.Bot) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Next", callback_data="p:2")]])
    sent = await bot.send_message(
        PRIVATE, "<b>Title</b> &amp; more", parse_mode="HTML", reply_markup=markup
    )
    await bot.send_message(PRIVATE, "second")
    await bot.send_message(GROUP, "other chat", disable_web_page_preview=True)
    assert sent.text == "Title & more"
    assert sent.entities[0].type == "bold"
    assert [m["message_id"] for m in api.sent_messages(PRIVATE)] == [1, 2]
    first = api.sent_messages(PRIVATE)[0]
    assert first["text"] == "<b>Title</b> &amp; more"
    assert first["parse_mode"] == "HTML"
    assert first["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "p:2"
    group = api.sent_messages(GROUP)
    assert group[0]["message_id"] == 1
    assert group[0]["link_preview_options"] == {"is_disabled": True}


@pytest.mark.parametrize("html", ["<b>unclosed", "<div>unknown</div>", "fish & chips"])
async def test_malformed_html_is_rejected(
    api: BotApiStandIn, bot: telegram.Bot, html: str
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(PRIVATE, html, parse_mode="HTML")
    assert api.sent_messages() == []


async def test_plain_text_is_not_parsed(api: BotApiStandIn, bot: telegram.Bot) -> None:
    await bot.send_message(PRIVATE, "fish & chips <div>")
    assert api.sent_messages()[0]["plain_text"] == "fish & chips <div>"


async def test_length_counts_utf16_after_entity_parsing(bot: telegram.Bot) -> None:
    await bot.send_message(PRIVATE, "a" * 4096)
    await bot.send_message(PRIVATE, "<b>" + "&amp;" * 4096 + "</b>", parse_mode="HTML")
    await bot.send_message(PRIVATE, "😀" * 2048)
    for text in ("a" * 4097, "😀" * 2048 + "a"):
        with pytest.raises(BadRequest, match=r"(?i)message is too long"):
            await bot.send_message(PRIVATE, text)


@pytest.mark.parametrize("text", ["   ", "<b></b>"])
async def test_empty_text_is_rejected(bot: telegram.Bot, text: str) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(PRIVATE, text, parse_mode="HTML")


async def test_bad_inline_keyboard_is_rejected(api: BotApiStandIn, bot: telegram.Bot) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(PRIVATE, "hi", reply_markup=markup)
    assert api.sent_messages() == []


async def test_flood_limit_gives_retry_after(
    api: BotApiStandIn, bot: telegram.Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    api.set_limits(global_per_s=2)
    await bot.send_message(1, "a")
    await bot.send_message(2, "b")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(3, "c")
    assert caught.value.retry_after == dtm.timedelta(seconds=1)
    assert api.too_many_requests == 1
    assert len(api.sent_messages()) == 2


async def test_per_chat_limits(api: BotApiStandIn, bot: telegram.Bot) -> None:
    api.set_limits(private_per_s=1, group_per_min=2)
    await bot.send_message(PRIVATE, "a")
    await bot.send_message(PRIVATE + 1, "other chat")
    with pytest.raises(RetryAfter):
        await bot.send_message(PRIVATE, "b")
    await bot.send_message(GROUP, "1")
    await bot.send_message(GROUP, "2")
    with pytest.raises(RetryAfter):
        await bot.send_message(GROUP, "3")
    assert api.too_many_requests == 2


async def test_forced_429_storm(
    api: BotApiStandIn, bot: telegram.Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    api.force_429(2, retry_after=7)
    for _ in range(2):
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(PRIVATE, "x")
        assert caught.value.retry_after == dtm.timedelta(seconds=7)
    await bot.send_message(PRIVATE, "x")
    assert (api.too_many_requests, len(api.sent_messages())) == (2, 1)


async def test_blocked_chats_get_forbidden(api: BotApiStandIn, bot: telegram.Bot) -> None:
    api.block(PRIVATE)
    api.block(GROUP)
    with pytest.raises(Forbidden, match=r"(?i)blocked by the user"):
        await bot.send_message(PRIVATE, "x")
    with pytest.raises(Forbidden, match=r"(?i)kicked from the group chat"):
        await bot.send_message(GROUP, "x")
    api.unblock(PRIVATE)
    await bot.send_message(PRIVATE, "x")


async def test_migrated_group(api: BotApiStandIn, bot: telegram.Bot) -> None:
    api.migrate(GROUP, SUPERGROUP_CHAT_ID)
    with pytest.raises(ChatMigrated) as caught:
        await bot.send_message(GROUP, "x")
    assert caught.value.new_chat_id == SUPERGROUP_CHAT_ID
    sent = await bot.send_message(SUPERGROUP_CHAT_ID, "x")
    assert sent.chat.type == "supergroup"


async def test_transient_failures(api: BotApiStandIn, bot: telegram.Bot) -> None:
    api.fail_next(1, 502)
    api.fail_next(1, drop=True)
    for _ in range(2):
        with pytest.raises(NetworkError):
            await bot.send_message(PRIVATE, "x")
    await bot.send_message(PRIVATE, "x")
    api.fail_next(1, 500, method="sendmessage")
    assert (await bot.get_me()).username == BOT_USERNAME
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_message(PRIVATE, "x")
    assert [c.status for c in api.calls_of("sendMessage")] == [502, 0, 200, 500]


async def test_pause_and_resume_keep_state(api: BotApiStandIn, bot: telegram.Bot) -> None:
    await bot.send_message(PRIVATE, "before")
    port = api.port
    api.pause()
    with pytest.raises(NetworkError, match=r"(?i)Bad Gateway"):
        await bot.send_message(PRIVATE, "x")
    api.pause(refuse=True)
    with pytest.raises(NetworkError):
        await bot.send_message(PRIVATE, "x")
    api.resume()
    sent = await bot.send_message(PRIVATE, "after")
    assert (api.port, sent.message_id, len(api.sent_messages())) == (port, 2, 2)


async def test_stop_and_start_keep_port_and_state(api: BotApiStandIn) -> None:
    port = api.port
    async with telegram.Bot(api.token, base_url=api.base_url) as ptb_bot:
        await ptb_bot.send_message(PRIVATE, "one")
        api.stop()
        with pytest.raises(NetworkError):
            await ptb_bot.send_message(PRIVATE, "x")
        api.start()
        sent = await ptb_bot.send_message(PRIVATE, "two")
    assert (api.port, sent.message_id) == (port, 2)


async def test_stop_answers_a_waiting_long_poll(api: BotApiStandIn, bot: telegram.Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await api.wait_for_async(lambda: api.polling == 1)
    await asyncio.to_thread(api.stop)
    assert await asyncio.wait_for(poll, 5) == ()
    assert api.polling == 0


async def test_wrong_token_is_unauthorized(api: BotApiStandIn) -> None:
    with pytest.raises(InvalidToken):
        async with telegram.Bot("1:wrong", base_url=api.base_url):
            pass
    assert [(c.method, c.status) for c in api.calls] == [("getMe", 401)]


async def test_unknown_method_fails_loudly(api: BotApiStandIn, bot: telegram.Bot) -> None:
    with pytest.raises(InvalidToken, match="method not found"):
        await bot.send_dice(PRIVATE)
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendGift", api_kwargs={"user_id": 1})
    assert [c.method for c in api.unknown_calls] == ["sendDice", "sendGift"]


async def test_long_poll_returns_pushed_update(api: BotApiStandIn, bot: telegram.Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await api.wait_for_async(lambda: api.polling == 1)
    await asyncio.sleep(0.1)
    assert not poll.done()
    assert api.calls_of("getUpdates")[-1].status is None  # listed while it waits
    update_id = api.push_update(command_update("start"))
    (update,) = await asyncio.wait_for(poll, 3)
    assert update.update_id == update_id
    assert update.message.text == "/start"
    assert await bot.get_updates(offset=update_id + 1, timeout=0) == ()
    assert api.pending_updates() == []


async def test_get_updates_offset_limit_and_allowed_updates(
    api: BotApiStandIn, bot: telegram.Bot
) -> None:
    ids = [api.push_update(message_update(f"m{i}")) for i in range(3)]
    api.push_update(callback_query_update("p:2"))
    first = await bot.get_updates(limit=2)
    assert [u.update_id for u in first] == ids[:2]
    rest = await bot.get_updates(offset=ids[1] + 1, allowed_updates=["message"])
    assert [u.update_id for u in rest] == ids[2:]
    assert len(api.pending_updates()) == 1  # the callback query was dropped


async def test_second_poller_conflicts_first(bot: telegram.Bot, api: BotApiStandIn) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await api.wait_for_async(lambda: api.polling == 1)
    async with telegram.Bot(api.token, base_url=api.base_url) as other:
        second = asyncio.create_task(other.get_updates(timeout=1))
        with pytest.raises(telegram.error.Conflict):
            await asyncio.wait_for(first, 3)
        assert await second == ()


async def test_webhook_methods(api: BotApiStandIn, bot: telegram.Bot) -> None:
    await bot.set_webhook("https://example.invalid/hook", secret_token="s")
    assert (await bot.get_webhook_info()).url == "https://example.invalid/hook"
    with pytest.raises(telegram.error.Conflict):
        await bot.get_updates()
    api.push_update(message_update("x"))
    await bot.delete_webhook(drop_pending_updates=True)
    assert api.pending_updates() == []


async def test_webhook_on_loopback_receives_updates(api: BotApiStandIn, bot: telegram.Bot) -> None:
    received: list[tuple[str | None, dict]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append((request.headers.get(SECRET_HEADER), await request.json()))
        # The first POST fails: Telegram keeps the update and retries until it gets a 2xx.
        return web.Response(status=500 if len(received) == 1 else 200)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
        update_id = api.push_update(command_update("start"))
        await bot.set_webhook(url, secret_token="s3cret")
        # Until the stand-in has the second answer too: the hook counts the POST before it
        # answers it, and closing the server then would cut that answer off.
        await api.wait_for_async(lambda: len(received) == 2 and len(api.webhook_deliveries) == 2)
    finally:
        await runner.cleanup()
    assert received[0] == received[1]
    secret, update = received[1]
    assert (secret, update["update_id"]) == ("s3cret", update_id)
    assert update["message"]["text"] == "/start"
    assert [status for _, status in api.webhook_deliveries] == [500, 200]
    assert api.pending_updates() == []


async def test_commands(api: BotApiStandIn, bot: telegram.Bot) -> None:
    await bot.set_my_commands([("start", "Start"), ("help", "Every command")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    assert api.commands()[1] == {"command": "help", "description": "Every command"}
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([("Bad-Name", "x")])
    await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()


async def test_commands_by_scope_are_kept_apart_and_checked(
    api: BotApiStandIn, bot: telegram.Bot
) -> None:
    private, admin = telegram.BotCommandScopeAllPrivateChats(), telegram.BotCommandScopeChat(7)
    await bot.set_my_commands([("help", "Every command")], scope=private)
    await bot.set_my_commands([("stats", "Numbers")], scope=admin)
    assert api.command_scopes() == [
        {"type": "all_private_chats"},
        {"type": "chat", "chat_id": 7},
    ]
    assert [c.command for c in await bot.get_my_commands(scope=admin)] == ["stats"]
    assert api.commands() == []  # the default scope is its own list
    for bad in ("é", "a" * 33, "with-dash", ""):
        with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
            await bot.set_my_commands([(bad, "x")])
    for description in ("", "x" * 257):
        with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_DESCRIPTION_INVALID"):
            await bot.set_my_commands([("ok", description)])
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMANDS_TOO_MUCH"):
        await bot.set_my_commands([(f"c{n}", "x") for n in range(101)])
    await bot.set_my_commands([(f"c{n}", "x") for n in range(100)])
    with pytest.raises(BadRequest, match=r"(?i)chat_id is empty"):
        await bot.set_my_commands([("ok", "x")], scope={"type": "chat"})  # type: ignore[arg-type]


async def test_descriptions_are_kept_and_their_lengths_checked(
    api: BotApiStandIn, bot: telegram.Bot
) -> None:
    await bot.set_my_description("d" * 512)
    await bot.set_my_short_description("s" * 120)
    assert (await bot.get_my_description()).description == "d" * 512
    assert (await bot.get_my_short_description()).short_description == "s" * 120
    assert api.description(short=True) == "s" * 120
    with pytest.raises(BadRequest, match=r"(?i)DESCRIPTION_INVALID"):
        await bot.set_my_description("d" * 513)
    with pytest.raises(BadRequest, match=r"(?i)SHORT_DESCRIPTION_INVALID"):
        await bot.set_my_short_description("s" * 121)
    await bot.set_my_description("12")  # a number-like text stays a text
    assert api.description() == "12"


async def test_edit_delete_and_answer(api: BotApiStandIn, bot: telegram.Bot) -> None:
    sent = await bot.send_message(PRIVATE, "v1")
    edited = await bot.edit_message_text("<i>v2</i>", PRIVATE, sent.message_id, parse_mode="HTML")
    assert edited.text == "v2"
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_text("<i>v2</i>", PRIVATE, sent.message_id, parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)can.t parse entities"):
        await bot.edit_message_text("<b>v3", PRIVATE, sent.message_id, parse_mode="HTML")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Site", url="https://e.org")]])
    await bot.edit_message_reply_markup(PRIVATE, sent.message_id, reply_markup=markup)
    assert api.message(PRIVATE, sent.message_id)["reply_markup"]["inline_keyboard"]
    assert await bot.answer_callback_query("123", text="Removed")
    assert await bot.delete_message(PRIVATE, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(PRIVATE, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("v4", PRIVATE, 99)


async def test_chat_members_and_admins(api: BotApiStandIn, bot: telegram.Bot) -> None:
    api.set_admins(GROUP, [7, 8], creator_id=6)
    assert (await bot.get_chat_member(GROUP, 6)).status == "creator"
    assert (await bot.get_chat_member(GROUP, 7)).status == "administrator"
    assert (await bot.get_chat_member(GROUP, 9)).status == "member"
    admins = await bot.get_chat_administrators(GROUP)
    assert [(a.user.id, a.status) for a in admins] == [
        (6, "creator"),
        (7, "administrator"),
        (8, "administrator"),
    ]
    with pytest.raises(BadRequest, match=r"(?i)no administrators in the private chat"):
        await bot.get_chat_administrators(PRIVATE)
    assert (await bot.get_chat(GROUP)).type == "group"
    assert await bot.leave_chat(GROUP)
    with pytest.raises(Forbidden, match=r"(?i)not a member"):
        await bot.send_message(GROUP, "x")


async def test_application_polling_receives_commands(api: BotApiStandIn) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_html(f"<b>hello</b> {update.effective_chat.id}")

    app = Application.builder().token(api.token).base_url(api.base_url).build()
    app.add_handler(CommandHandler("start", start))
    async with app:
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await app.start()
        api.push_update(command_update("start", chat_id=PRIVATE))
        api.push_update(command_update("start", bot_username=BOT_USERNAME, chat_id=GROUP_CHAT_ID))
        api.push_update(my_chat_member_update(SUPERGROUP_CHAT_ID, new_status="administrator"))
        messages = await api.wait_for_messages(2, timeout=10)
        await app.updater.stop()
        await app.stop()
    assert [m["plain_text"] for m in messages] == [
        f"hello {PRIVATE}",
        f"hello {GROUP_CHAT_ID}",
    ]
    assert api.calls_of("deleteWebhook")
    assert api.unknown_calls == []


# --- raw HTTP, threads, control API and the CLI ---------------------------------------------


async def test_raw_http_json_form_and_get(api: BotApiStandIn) -> None:
    url = f"{api.base_url}{api.token}"
    async with httpx.AsyncClient() as client:
        by_json = await client.post(f"{url}/sendMessage", json={"chat_id": 5, "text": "j"})
        by_form = await client.post(f"{url}/SENDMESSAGE", data={"chat_id": "5", "text": "f"})
        by_get = await client.get(f"{url}/getMe")
        unknown = await client.post(f"{url}/sendPhoto", data={"chat_id": "5"})
        bad_markup = await client.post(
            f"{url}/sendMessage", data={"chat_id": "5", "text": "x", "reply_markup": "{oops"}
        )
    assert by_json.json()["result"]["message_id"] == 1
    assert by_form.json()["result"]["message_id"] == 2
    assert by_get.json()["result"]["username"] == BOT_USERNAME
    assert unknown.status_code == 404
    assert unknown.json() == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found: method not found",
    }
    assert bad_markup.json()["description"].startswith("Bad Request: can't parse reply keyboard")
    assert [m["text"] for m in api.sent_messages(5)] == ["j", "f"]


async def test_raw_http_multipart(api: BotApiStandIn) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{api.base_url}{api.token}/sendMessage",
            data={"chat_id": "5", "text": "<i>m</i>", "parse_mode": "HTML"},
            files={"unused": ("a.txt", b"file body")},
        )
    assert response.json()["result"]["text"] == "m"
    assert repr(api.calls[-1].params["unused"]) == "<file 'a.txt', 9 bytes>"
    assert api.calls[-1].as_dict()["params"]["unused"] == "<file 'a.txt', 9 bytes>"


def test_clear_records(api: BotApiStandIn) -> None:
    api.set_limits(private_per_s=1)
    url = f"{api.base_url}{api.token}/sendMessage"
    assert httpx.post(url, data={"chat_id": 1, "text": "x"}).status_code == 200
    assert httpx.post(url, data={"chat_id": 1, "text": "x"}).status_code == 429
    api.clear_records()
    assert api.counts() == {"calls": 0, "sent": 0, "too_many_requests": 0, "unknown_calls": 0}
    response = httpx.post(url, data={"chat_id": 1, "text": "x"})
    assert response.json()["result"]["message_id"] == 2  # message ids go on


def test_sync_wait_from_another_thread(api: BotApiStandIn) -> None:
    def send() -> None:
        for i in range(3):
            httpx.post(f"{api.base_url}{api.token}/sendMessage", data={"chat_id": 1, "text": i})

    thread = threading.Thread(target=send)
    thread.start()
    messages = api.wait_for_messages_sync(3, chat_id=1, timeout=10)
    thread.join()
    assert [m["text"] for m in messages] == ["0", "1", "2"]
    with pytest.raises(TimeoutError):
        api.wait_for(4, timeout=0.1)


def test_control_api(api: BotApiStandIn) -> None:
    control = StandInControl.from_base_url(api.base_url)
    update_id = control.push_update(message_update("hi"))
    control.do("block", chat_id=5)
    control.do("migrate", old_id=-6, new_id=-1006)
    control.do("set_limits", global_per_s=30, group_per_min=20)
    control.do("set_admins", chat_id=-7, user_ids=[1], creator_id=2)
    control.do("force_429", n=1, retry_after=3)
    assert api.pending_updates()[0]["update_id"] == update_id
    assert api.limits == FloodLimits(30, None, 20)
    url = f"{api.base_url}{api.token}/sendMessage"
    assert httpx.post(url, data={"chat_id": 1, "text": "x"}).status_code == 429
    assert httpx.post(url, data={"chat_id": 5, "text": "x"}).status_code == 403
    assert httpx.post(url, data={"chat_id": -6, "text": "x"}).json()["parameters"] == {
        "migrate_to_chat_id": -1006
    }
    assert httpx.post(url, data={"chat_id": 1, "text": "ok"}).status_code == 200
    control.do("pause")
    assert httpx.post(url, data={"chat_id": 1, "text": "x"}).status_code == 502
    control.do("resume")
    assert control.sent_messages(1)[0]["text"] == "ok"
    assert control.counts()["too_many_requests"] == 1
    assert [c["status"] for c in control.request("calls?method=sendMessage")] == [
        429,
        403,
        400,
        200,
        502,
    ]


def test_cli_runs_until_sigterm() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.tg_api", "--port", "0", "--token", "9:T"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base_url = proc.stdout.readline().strip()  # type: ignore[union-attr]
        assert base_url.startswith("http://127.0.0.1:")
        assert base_url.endswith("/bot")
        response = httpx.post(f"{base_url}9:T/sendMessage", data={"chat_id": 3, "text": "cli"})
        assert response.json()["ok"] is True
        assert StandInControl.from_base_url(base_url).counts()["sent"] == 1
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert json.loads(err.strip().splitlines()[-1])["sent"] == 1
