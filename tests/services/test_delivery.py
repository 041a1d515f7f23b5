"""The delivery service against the Bot API stand-in enforcing Telegram's flood limits."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, select, update

from bot.clock import utcnow
from bot.config import DeliveryConfig
from bot.core.render import to_plain
from bot.services.delivery import Dispatcher
from bot.store import deliveries as q
from bot.store.compose import digest_slots
from bot.store.engine import Store
from bot.store.matching import match_ready
from bot.store.schema import chats, deliveries
from bot.tg.sender import TelegramSender
from tests.support.delivery_data import (
    add_chat,
    add_feed,
    add_story,
    delivery_states,
    seed_fanout,
    subscribe,
)
from tests.support.outage import (
    assert_one_line_per_try,
    lines_logged_while_down,
    unreachable_store,
)
from tests.support.sender_proc import open_bot
from tests.support.tg_api import BotApiStandIn
from tests.support.tg_updates import BOT_ID

# Fast limits: pacing is not what most of these tests are about, but the stand-in still
# enforces flood limits and our pacing must stay under them.
FAST = DeliveryConfig(
    global_per_s=250.0,
    private_per_s=1.0,
    group_per_min=20.0,
    instant_window_s=0.0,
    retry_base_s=0.1,
    max_attempts=3,
)


@pytest.fixture
def api() -> Iterator[BotApiStandIn]:
    with BotApiStandIn(global_per_s=300, private_per_s=1, group_per_min=20) as standin:
        yield standin


@pytest.fixture
async def sender(api: BotApiStandIn) -> AsyncIterator[TelegramSender]:
    async with open_bot(api.base_url) as bot:
        yield TelegramSender(bot)


def _dispatcher(store: Store, sender: TelegramSender, **kw: Any) -> Dispatcher:
    return Dispatcher(store, sender, kw.pop("config", FAST), **kw)


async def _deliver_all(dispatcher: Dispatcher, timeout_s: float = 20.0) -> None:
    """Match and send, in real time, until nothing is pending or sending."""
    deadline = time.monotonic() + timeout_s
    await dispatcher.match_ready(utcnow())
    while time.monotonic() < deadline:
        await dispatcher.send_due(utcnow())
        states = await dispatcher.store.read(q.count_states)
        if not states.get("pending") and not states.get("sending"):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"deliveries left: {states}")


def _messages_per_chat(api: BotApiStandIn) -> Counter[int]:
    return Counter(m["chat"]["id"] if "chat" in m else m["chat_id"] for m in api.sent_messages())


def _text(message: dict[str, Any]) -> str:
    """The message as the user reads it."""
    return to_plain(str(message["text"]))


async def test_many_chats_get_each_story_exactly_once(
    store: Store, api: BotApiStandIn, sender: TelegramSender
) -> None:
    chat_ids = [*range(1, 101), *range(-200, -100)]
    story_ids = store.write_sync(seed_fanout, chat_ids, 2)
    await _deliver_all(_dispatcher(store, sender))
    # Two stories arriving together reach each chat as one message.
    assert _messages_per_chat(api) == Counter(dict.fromkeys(chat_ids, 1))
    assert api.counts()["too_many_requests"] == 0
    states = store.read_sync(delivery_states)
    assert states == {(c, s): "sent" for c in chat_ids for s in story_ids}
    message = api.sent_messages(5)[0]
    assert "Story s0" in _text(message)
    assert "Story s1" in _text(message)


async def test_a_429_storm_loses_nothing(
    store: Store, api: BotApiStandIn, sender: TelegramSender
) -> None:
    chat_ids = list(range(1, 41))
    store.write_sync(seed_fanout, chat_ids, 1)
    api.force_429(10, retry_after=1)
    dispatcher = _dispatcher(store, sender)
    await _deliver_all(dispatcher)
    assert _messages_per_chat(api) == Counter(dict.fromkeys(chat_ids, 1))
    attempts = store.read_sync(lambda c: set(c.execute(select(deliveries.c.attempts)).scalars()))
    assert attempts == {0}  # a 429 is not an attempt: it can never make a story fail


async def test_blocked_chat_becomes_inactive_and_its_pending_rows_are_cancelled(
    store: Store, api: BotApiStandIn, sender: TelegramSender
) -> None:
    story_ids = store.write_sync(seed_fanout, [1, 2, 3], 1)

    def _later_digest(conn: Connection) -> None:
        feed = add_feed(conn, "Later")
        later = add_story(conn, "later", [feed], state="matched")
        q.add_delivery(conn, 2, later, utcnow() + timedelta(days=1), "feed:1", utcnow())

    store.write_sync(_later_digest)
    api.block(2)
    await _deliver_all(_dispatcher(store, sender))
    assert set(_messages_per_chat(api)) == {1, 3}
    states = store.read_sync(delivery_states)
    assert [v for (c, _), v in states.items() if c == 2] == ["cancelled", "cancelled"]
    assert states[(1, story_ids[0])] == "sent"
    active = store.read_sync(lambda c: dict(c.execute(select(chats.c.id, chats.c.active)).all()))
    assert active == {1: True, 2: False, 3: True}


async def test_migrated_group_gets_its_story_at_the_new_id(
    store: Store, api: BotApiStandIn, sender: TelegramSender
) -> None:
    [story] = store.write_sync(seed_fanout, [-100, 7], 1)
    api.migrate(-100, -1000100)
    await _deliver_all(_dispatcher(store, sender))
    assert _messages_per_chat(api) == Counter({-1000100: 1, 7: 1})
    states = store.read_sync(delivery_states)
    assert states == {(-1000100, story): "sent", (7, story): "sent"}


async def test_digest_at_its_scheduled_time_in_the_chats_timezone(
    store: Store, api: BotApiStandIn, sender: TelegramSender
) -> None:
    def _seed(conn: Connection) -> None:
        add_chat(conn, 9, mode="daily", times="08:00,19:00", tz="America/New_York")
        wire, local = add_feed(conn, "Wire"), add_feed(conn, "Local News")
        subscribe(conn, [9], wire)
        subscribe(conn, [9], local)
        add_story(conn, "both", [wire, local])
        add_story(conn, "wire-only", [wire])

    store.write_sync(_seed)
    dispatcher = _dispatcher(store, sender)
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # 07:00 in New York
    assert await dispatcher.match_ready(now) == 2
    assert (await dispatcher.send_due(now + timedelta(minutes=59))).messages == 0
    assert api.sent_messages() == []
    report = await dispatcher.send_due(datetime(2026, 11, 25, 13, 0, tzinfo=UTC))  # 08:00 NY
    assert (report.messages, report.sent) == (1, 2)
    [message] = api.sent_messages(9)
    text = _text(message)
    assert text.startswith("Wednesday 25 November · 2 stories")  # the day in New York
    assert text.count("Story both") == 1
    assert "1. Story both\nLocal News · Something happened." in text  # the other carrier
    assert "1. Story both" in text
    assert "2. Story wire-only" in text
    last = store.read_sync(lambda c: c.scalar(select(chats.c.last_digest_at)))
    assert last is not None
    assert [(s.at.hour, s.timezone) for s in store.read_sync(digest_slots)] == [
        (8, "America/New_York"),
        (19, "America/New_York"),
    ]


CHANNEL, EVENING = -1002000000042, -1002000000043


async def test_a_channel_gets_its_pushes_and_its_digest_at_its_local_time(
    store: Store, api: BotApiStandIn, sender: TelegramSender
) -> None:
    for channel, title in ((CHANNEL, "Morning Brief"), (EVENING, "Evening Brief")):
        api.set_chat(channel, "channel", title)
        api.set_admins(channel, [BOT_ID])

    def _seed(conn: Connection) -> None:
        add_chat(conn, CHANNEL, kind="channel")
        add_chat(conn, EVENING, kind="channel", mode="daily", times="18:00", tz="Asia/Tokyo")
        wire = add_feed(conn, "Wire")
        subscribe(conn, [CHANNEL, EVENING], wire)
        add_story(conn, "one", [wire])
        add_story(conn, "two", [wire])

    store.write_sync(_seed)
    dispatcher = _dispatcher(store, sender)
    now = datetime(2026, 11, 25, 8, 30, tzinfo=UTC)  # 17:30 in Tokyo
    assert await dispatcher.match_ready(now) == 4
    assert (await dispatcher.send_due(now)).sent == 2  # the push: both stories, one message
    [push] = api.sent_messages(CHANNEL)
    assert "Story one" in _text(push)
    assert "Story two" in _text(push)
    assert api.sent_messages(EVENING) == []
    report = await dispatcher.send_due(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))  # 18:00 Tokyo
    assert (report.messages, report.sent) == (1, 2)
    [digest] = api.sent_messages(EVENING)
    assert _text(digest).startswith("Wednesday 25 November · 2 stories")
    # No "Full summaries" in a channel: one reader's tap would redraw it for every reader.
    assert not (digest["reply_markup"] or {}).get("inline_keyboard")
    assert api.counts()["too_many_requests"] == 0


async def test_a_channel_that_took_the_bots_right_to_post_is_cancelled_not_retried(
    store: Store, api: BotApiStandIn, sender: TelegramSender
) -> None:
    api.set_chat(CHANNEL, "channel", "Morning Brief")  # the bot is no administrator there
    store.write_sync(seed_fanout, [7, CHANNEL], 1)
    owner = 55
    store.write_sync(
        lambda c: c.execute(update(chats).where(chats.c.id == CHANNEL).values(added_by=owner))
    )
    await _deliver_all(_dispatcher(store, sender))
    states = store.read_sync(delivery_states)
    assert {c: v for (c, _), v in states.items()} == {7: "sent", CHANNEL: "cancelled"}
    active = store.read_sync(lambda c: dict(c.execute(select(chats.c.id, chats.c.active)).all()))
    assert active[CHANNEL] is False
    [told] = api.sent_messages(owner)  # who added the bot hears it once
    assert "1 waiting for it were cancelled" in _text(told)


async def test_restart_between_writing_and_sending_sends_each_once(
    db_url: str, store: Store, api: BotApiStandIn, sender: TelegramSender
) -> None:
    chat_ids = list(range(1, 31))
    store.write_sync(seed_fanout, chat_ids, 1)
    first = _dispatcher(store, sender, worker_id="first")
    await first.match_ready(utcnow())
    # The first process claims a batch and dies before sending anything.
    store.write_sync(q.claim_due, "first", utcnow(), 10)
    store.close()
    reopened = Store(db_url)
    try:
        second = _dispatcher(reopened, sender, stale_after_s=0.0)
        await _deliver_all(second)
    finally:
        reopened.close()
    assert _messages_per_chat(api) == Counter(dict.fromkeys(chat_ids, 1))


async def test_two_senders_on_one_database_never_send_twice(
    db_url: str, store: Store, api: BotApiStandIn
) -> None:
    chat_ids = list(range(1, 121))
    store.write_sync(seed_fanout, chat_ids, 1)
    store.write_sync(match_ready, utcnow(), instant_window_s=0.0)
    stores = [Store(db_url), Store(db_url)]
    try:
        async with open_bot(api.base_url) as bot_a, open_bot(api.base_url) as bot_b:
            config = DeliveryConfig(global_per_s=40.0, instant_window_s=0.0)  # batches of 80
            a = Dispatcher(stores[0], TelegramSender(bot_a), config, worker_id="a")
            b = Dispatcher(stores[1], TelegramSender(bot_b), config, worker_id="b")
            reports = await asyncio.gather(a.send_due(utcnow()), b.send_due(utcnow()))
    finally:
        for s in stores:
            s.close()
    assert _messages_per_chat(api) == Counter(dict.fromkeys(chat_ids, 1))
    assert reports[0].sent + reports[1].sent == len(chat_ids)
    assert min(reports[0].sent, reports[1].sent) > 0
    by_worker = store.read_sync(
        lambda c: Counter(c.execute(select(deliveries.c.claimed_by)).scalars())
    )
    assert set(by_worker) == {"a", "b"}


def _sender_proc(db_url: str, base_url: str, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.support.sender_proc",
            "--db",
            db_url,
            "--base-url",
            base_url,
            "--global-per-s",
            "150",
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def test_sigkill_mid_fanout_then_restart_delivers_everything(
    db_url: str, store: Store, api: BotApiStandIn
) -> None:
    chat_ids = [*range(1, 201), *range(-500, -400)]
    [story] = store.write_sync(seed_fanout, chat_ids, 1)
    proc = _sender_proc(db_url, api.base_url)
    try:
        api.wait_for(lambda: api.counts()["sent"] >= 80, timeout=30)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    time.sleep(0.2)  # requests already on the wire may still land
    sending = {
        c for (c, _), state in store.read_sync(delivery_states).items() if state == "sending"
    }
    accepted = set(_messages_per_chat(api))
    assert 80 <= len(accepted) < len(chat_ids)
    # Sent by Telegram but not yet recorded: the only messages that can go out twice.
    in_flight = sending & accepted
    restart = _sender_proc(db_url, api.base_url, "--stale-after-s", "0", "--until-idle")
    _, err = restart.communicate(timeout=60)
    assert restart.returncode == 0, err
    per_chat = _messages_per_chat(api)
    assert set(per_chat) == set(chat_ids)
    assert {c for c, n in per_chat.items() if n > 1} == in_flight
    states = store.read_sync(delivery_states)
    assert states == {(c, story): "sent" for c in chat_ids}


async def test_unparsable_html_is_sent_again_as_plain_text(
    api: BotApiStandIn, sender: TelegramSender
) -> None:
    outcome = await sender.send(11, "<b>Bold &amp; <i>unclosed</b>", link_preview=False)
    assert outcome.status == "sent"
    assert outcome.plain_text
    assert api.sent_messages(11)[0]["text"] == "Bold & unclosed"


async def test_transient_5xx_is_retried_with_backoff(
    store: Store, api: BotApiStandIn, sender: TelegramSender
) -> None:
    [story] = store.write_sync(seed_fanout, [1], 1)
    api.fail_next(2, status=502, method="sendMessage")
    await _deliver_all(_dispatcher(store, sender))
    assert _messages_per_chat(api) == Counter({1: 1})
    row = store.read_sync(lambda c: c.execute(select(deliveries)).one())
    assert (row.state, row.attempts, row.story_id) == ("sent", 2, story)


async def test_telegram_unreachable_fails_after_max_attempts(
    store: Store, api: BotApiStandIn, sender: TelegramSender
) -> None:
    store.write_sync(seed_fanout, [1, 2], 1)
    api.pause()
    await _deliver_all(_dispatcher(store, sender))
    assert store.read_sync(q.count_states) == {"failed": 2}
    attempts = store.read_sync(lambda c: set(c.execute(select(deliveries.c.attempts)).scalars()))
    assert attempts == {FAST.max_attempts}


async def test_run_forever_sends_stories_arriving_within_the_window_as_one_message(
    store: Store, api: BotApiStandIn, sender: TelegramSender
) -> None:
    config = DeliveryConfig(global_per_s=100.0, instant_window_s=0.6, sender_tick_s=0.05)
    feed = store.write_sync(lambda c: add_feed(c, "Wire"))
    store.write_sync(lambda c: (add_chat(c, 1), subscribe(c, [1], feed)))
    stop = asyncio.Event()
    runner = asyncio.create_task(_dispatcher(store, sender, config=config).run_forever(stop))
    try:
        store.write_sync(add_story, "first", [feed])
        await asyncio.sleep(0.25)
        store.write_sync(add_story, "second", [feed])
        await api.wait_for_messages(1, timeout=5)
        await asyncio.sleep(0.3)
    finally:
        stop.set()
        await runner
    [message] = api.sent_messages(1)
    assert "Story first" in _text(message)
    assert "Story second" in _text(message)


async def test_a_database_outage_is_one_line_per_try_with_backoff(
    sender: TelegramSender, caplog: pytest.LogCaptureFixture
) -> None:
    store = unreachable_store()
    dispatcher = _dispatcher(store, sender, config=replace(FAST, sender_tick_s=0.05))
    lines = await lines_logged_while_down(dispatcher.run_forever, "bot.services.delivery", caplog)
    store.close()
    assert_one_line_per_try(lines)


async def test_a_line_a_minute_says_what_was_sent_and_how_long_the_queue_is(
    store: Store, api: BotApiStandIn, sender: TelegramSender, caplog: pytest.LogCaptureFixture
) -> None:
    store.write_sync(seed_fanout, [1, 2], 1)
    dispatcher = _dispatcher(store, sender)
    with caplog.at_level(logging.INFO, logger="bot.services.delivery"):
        await _deliver_all(dispatcher)
        await dispatcher.log_minute(utcnow())  # less than a minute since it started: nothing
        dispatcher._minute_started -= 61  # a minute later (the line waits for the monotonic clock)
        await dispatcher.log_minute(utcnow())
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("last minute")]
    assert lines == [
        "last minute: sent 2, retried 0, failed 0, 429s 0; queue 0, oldest due 0 s ago"
    ]
