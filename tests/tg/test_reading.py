"""How a chat reads, through real PTB: /settings buttons, quiet hours, silent pushes, topic
pushes, the compact digest and its full view, /digest now and /latest N topic.

Stories are written ready into the store and sent by the real `Dispatcher` and
`TelegramSender` at chosen moments (`deliver(..., at=...)`), so the clock is injected; every
message the stand-in receives passes its HTML validator.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, insert, select

from bot.core.render import to_plain
from bot.store.chats import get_chat
from bot.store.schema import stories, story_sources
from tests.support.phone import phone_screens
from tests.support.tg_bot import Bot, buttons, catalogue_feed_id, deliver, fresh_story
from tests.support.tg_updates import PRIVATE_CHAT_ID as PRIVATE
from tests.support.tg_updates import make_message

SUMMARY = ("Envoys met in Geneva on Tuesday.", "They agreed to meet again.", "Talks go on.")


async def _settings(bot: Bot) -> dict[str, object]:
    [message] = await bot.command("settings")
    return message


async def _press(bot: Bot, message: dict[str, object], label: str) -> dict[str, object]:
    """Press the button `label` of the message as it is now; the message after the edit."""
    current = bot.current(message)  # type: ignore[arg-type]
    chat = message["chat_id"]
    await bot.press(buttons(current)[label], current | {"chat_id": chat, "plain_text": ""})
    return bot.current(message)  # type: ignore[arg-type]


def _chat(bot: Bot):  # type: ignore[no-untyped-def]
    chat = bot.store.read_sync(get_chat, PRIVATE)
    assert chat is not None
    return chat


async def test_every_settings_button_says_what_it_does_and_redraws_the_message(
    bot: Bot,
) -> None:
    await bot.command("start")
    message = await _settings(bot)
    text = str(message["plain_text"])
    assert "Summary in pushes: 3 sentences" in text
    assert "Delivery: each story as it comes" in text
    labels = buttons(message)  # type: ignore[arg-type]
    assert "✓ 3" in labels
    assert "✓ Instant" in labels
    assert "Link previews: off ▸ turn on" in labels
    assert "Silent pushes: off ▸ turn on" in labels
    assert "Quiet hours: off ▸ 23:00–07:00" in labels
    assert "✓ One line" in labels

    now = await _press(bot, message, "0")
    assert "✓ 0" in buttons(now)
    assert "Summary in pushes: 0 sentences" in now["text"]
    now = await _press(bot, message, "Link previews: off ▸ turn on")
    assert "Link previews: on ▸ turn off" in buttons(now)
    assert "Link previews: on" in now["text"]
    now = await _press(bot, message, "Silent pushes: off ▸ turn on")
    assert "Silent pushes: on ▸ turn off" in buttons(now)
    now = await _press(bot, message, "Titles")
    assert "Digest shows: titles only" in now["text"]
    now = await _press(bot, message, "Quiet hours: off ▸ 23:00–07:00")
    assert "Quiet hours: 23:00–07:00 ▸ turn off" in buttons(now)
    chat = _chat(bot)
    assert (chat.summary_sentences, chat.link_previews, chat.silent) == (0, True, True)
    assert (chat.digest_length, chat.quiet_hours) == (0, "23:00-07:00")

    now = await _press(bot, message, "Daily digest")  # no times yet: 08:00, said so
    assert "Delivery: a digest at 08:00 (UTC)" in now["text"]
    now = await _press(bot, message, "Digest times ▸")
    assert "Digest times" in now["text"]
    assert "✓ 08:00" in buttons(now)
    now = await _press(bot, message, "18:00")
    assert "Now: 08:00, 18:00" in now["text"]
    now = await _press(bot, message, "✓ 08:00")
    assert "Now: 18:00" in now["text"]
    now = await _press(bot, message, "✓ 18:00")  # the last time stays
    assert "Now: 18:00" in now["text"]
    now = await _press(bot, message, "‹ Back")
    now = await _press(bot, message, "Time zone: UTC ▸")
    assert "Now: UTC (UTC)" in now["text"]
    now = await _press(bot, message, "Berlin")  # picked: back to the settings, changed
    assert "Time zone: Europe/Berlin (CET)" in now["text"]
    assert "Time zone: Berlin ▸" in buttons(now)
    assert "Delivery: a digest at 18:00 (Europe/Berlin)" in now["text"]
    chat = _chat(bot)
    assert (chat.digest_mode, chat.digest_times, chat.timezone) == (
        "daily",
        "18:00",
        "Europe/Berlin",
    )


async def test_time_and_zone_input_is_forgiving(bot: Bot) -> None:
    assert "daily at 08:00, 20:30" in await bot.text("digest", "daily 8am 20h30")
    assert "Europe/Berlin" in await bot.text("timezone", "Berlin")
    assert "America/New_York" in await bot.text("timezone", "new york")
    refused = await bot.text("timezone", "Berln")
    assert "Did you mean Europe/Berlin?" in refused
    assert "8am" in await bot.text("digest", "daily 25:00")  # the way to write it
    assert "/quiet 23:00-07:00" in await bot.text("quiet", "late")
    assert "Quiet hours: off." in await bot.text("quiet")


async def test_quiet_hours_hold_instant_stories_to_the_window_end_across_a_dst_change(
    bot: Bot,
) -> None:
    await bot.command("subscribe", "World")
    await bot.command("timezone", "Europe/Berlin")
    assert "23:00–07:00 (Europe/Berlin)" in await bot.text("quiet", "11pm-7am")
    world = catalogue_feed_id(bot, "World")
    # Saturday 27 March 2027, 23:30 in Berlin (CET); the clocks go forward that night, so the
    # window ends at 07:00 CEST = 05:00 UTC.
    fresh_story(bot, "Night story one", world, SUMMARY)
    assert await deliver(bot, PRIVATE, at=datetime(2027, 3, 27, 22, 30, tzinfo=UTC)) == {}
    fresh_story(bot, "Night story two", world, SUMMARY)
    assert await deliver(bot, PRIVATE, at=datetime(2027, 3, 28, 2, 0, tzinfo=UTC)) == {}
    edge = datetime(2027, 3, 28, 5, 0, tzinfo=UTC)
    assert await deliver(bot, PRIVATE, at=edge - timedelta(seconds=1)) == {}
    [held] = (await deliver(bot, PRIVATE, at=edge))[None]
    assert held.startswith("2 stories from your quiet hours\n\n1. Night story")
    assert "Night story one" in held
    assert "Night story two" in held
    fresh_story(bot, "Morning story", world, SUMMARY)  # after the window: at once
    [morning] = (await deliver(bot, PRIVATE, at=edge + timedelta(hours=1)))[None]
    assert morning.startswith("Morning story")


async def test_silent_pushes_and_a_topic_push_that_says_why(bot: Bot) -> None:
    await bot.command("follow", "geneva")
    world = catalogue_feed_id(bot, "World")
    fresh_story(bot, "Geneva talks resume", world, SUMMARY)
    await deliver(bot, PRIVATE)
    push = bot.api.sent_messages(PRIVATE)[-1]
    assert push["disable_notification"] is False
    text = to_plain(push["text"])
    assert " UTC · Following: geneva" in text  # the time with its zone, and why it came
    assert push["text"].count("<blockquote expandable>") == 1  # three sentences: folded
    message = await _settings(bot)
    await _press(bot, message, "Silent pushes: off ▸ turn on")
    fresh_story(bot, "Geneva talks end", world, SUMMARY)
    await deliver(bot, PRIVATE)
    assert bot.api.sent_messages(PRIVATE)[-1]["disable_notification"] is True


def _also_carried_by(bot: Bot, title: str, feed_id: int) -> None:
    """Record that another feed carried the story too (as the near-duplicate merge does)."""

    def write(conn: Connection) -> None:
        story = conn.execute(select(stories.c.id).where(stories.c.title == title)).scalar_one()
        conn.execute(
            insert(story_sources).values(
                feed_id=feed_id,
                item_key=f"dup-{story}",
                story_id=story,
                first_seen_at=datetime.now(UTC) + timedelta(seconds=2),
            )
        )

    bot.store.write_sync(write)


async def test_a_compact_digest_opens_its_full_summaries_in_place(bot: Bot) -> None:
    await bot.command("subscribe", "World")
    await bot.command("subscribe", "Tech")
    await bot.command("digest", "daily 08:00")
    world, tech = catalogue_feed_id(bot, "World"), catalogue_feed_id(bot, "Tech")
    for n in range(5):
        fresh_story(bot, f"World story {n} about the talks in Geneva", world, SUMMARY)
    for n in range(3):
        fresh_story(bot, f"Tech story {n} about a new phone chip", tech, SUMMARY)
    _also_carried_by(bot, "Tech story 1 about a new phone chip", world)  # a near-duplicate
    morning = (datetime.now(UTC) + timedelta(days=1)).replace(hour=8, minute=0, second=0)
    await deliver(bot, PRIVATE, at=morning - timedelta(minutes=1))
    sent = await deliver(bot, PRIVATE, at=morning)
    [digest_text] = sent[None]
    assert f"{morning:%A} {morning.day} {morning:%B} · 8 stories" in digest_text
    # The story two feeds carried comes first, under its feed, naming the other one.
    assert "\n\nTech\n1. Tech story 1 about a new phone chip\nWorld · Envoys" in digest_text
    assert "They agreed" not in digest_text  # one line per story
    digest = bot.api.sent_messages(PRIVATE)[-1]
    assert phone_screens(digest["text"]) <= 1.5
    assert list(buttons(digest)) == ["Full summaries"]
    full = await _press(bot, digest, "Full summaries")
    assert "They agreed to meet again." in full["text"]
    assert full["text"].count("\n1. ") == 1  # the same numbering
    assert list(buttons(full)) == ["Short list"]
    short = await _press(bot, digest, "Short list")
    assert short["text"] == to_plain(digest["text"])


async def test_digest_now_and_latest_with_a_count_and_a_topic(bot: Bot) -> None:
    await bot.command("subscribe", "World")
    assert "Nothing is waiting" in await bot.text("digest", "now")
    await bot.command("digest", "daily 08:00")
    world = catalogue_feed_id(bot, "World")
    fresh_story(bot, "Geneva talks resume", world, SUMMARY)
    fresh_story(bot, "Harbour festival opens", world, SUMMARY)
    await deliver(bot, PRIVATE)  # matched: waiting for 08:00
    assert "Sending what was waiting (2 stories)" in await bot.text("digest", "now")
    [digest] = (await deliver(bot, PRIVATE))[None]
    assert "· 2 stories" in digest
    assert "matches 2024 election" in await bot.text("latest", "2024 election")  # a topic
    latest = await bot.text("latest", "5 geneva")
    assert latest.startswith("Latest on geneva")
    assert "Geneva talks resume" in latest
    assert "Harbour" not in latest


async def test_a_shared_location_sets_the_time_zone_and_is_not_kept(bot: Bot) -> None:
    def location(latitude: float, longitude: float) -> dict[str, object]:
        message = make_message("", chat_id=PRIVATE)
        message.pop("text", None)
        message["location"] = {"latitude": latitude, "longitude": longitude}
        return {"message": message}

    before = len(bot.api.sent_messages(PRIVATE))
    await bot.feed(location(28.61, 77.21))  # New Delhi
    [reply] = bot.api.sent_messages(PRIVATE)[before:]
    assert "Time zone set to Asia/Kolkata" in reply["plain_text"]
    chat = _chat(bot)
    assert chat.timezone == "Asia/Kolkata"
    assert "28.6" not in repr(chat)  # only the zone's name is kept
