"""Per-feed filters and a chat's mute, through real PTB: they hold on pushes and digests and
never on /topic or /latest.

Stories are written ready into the store (their search text is their title) and matched and
sent by the real `Dispatcher` and `TelegramSender` (`deliver`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot import texts
from tests.support.tg_bot import Bot, buttons, catalogue_feed_id, deliver, fresh_story
from tests.support.tg_updates import PRIVATE_CHAT_ID as PRIVATE
from tests.support.tg_updates import SUPERGROUP_CHAT_ID

MEMBER = 2002  # a group member who is not an administrator


async def test_a_feed_filter_lets_its_topic_through_and_stops_the_rest(bot: Bot) -> None:
    await bot.command("subscribe", "World")
    await bot.command("subscribe", "Tech")
    assert "No feed here has a filter" in await bot.text("filter")
    set_reply = await bot.text("filter", "1 syria -football")
    assert "World now come here only when they match syria -football" in set_reply
    assert "World: syria -football" in await bot.text("filter")
    [listing] = await bot.command("feeds")
    assert "1. World — " in listing["plain_text"]
    assert "only syria -football" in listing["plain_text"]
    world, tech = catalogue_feed_id(bot, "World"), catalogue_feed_id(bot, "Tech")
    fresh_story(bot, "Syria talks resume", world)
    fresh_story(bot, "Syria football cup final", world)
    fresh_story(bot, "Harbour festival opens", world)
    fresh_story(bot, "New phone chip", tech)  # Tech has no filter
    [pushed] = (await deliver(bot, PRIVATE))[None]
    assert "Syria talks resume" in pushed
    assert "New phone chip" in pushed
    assert "football" not in pushed
    assert "Harbour" not in pushed
    topic = await bot.text("topic", "harbour")  # /topic shows everything
    assert "Harbour festival opens" in topic
    assert "Harbour festival opens" in await bot.text("latest", "20")

    [help_message] = await bot.press(buttons(listing)["Filter World"], listing)
    assert "only stories matching syria -football are pushed" in help_message["plain_text"]
    await bot.press(buttons(help_message)[str(texts.FILTER_CLEAR_BUTTON)], help_message)
    assert "every story is pushed" in bot.current(help_message)["text"]
    fresh_story(bot, "Harbour festival closes", world)
    [after] = (await deliver(bot, PRIVATE))[None]
    assert "Harbour festival closes" in after
    assert "Every story of World comes here again." in await bot.text("filter", "World off")


async def test_a_mute_holds_on_pushes_digests_and_topics_but_not_on_search(bot: Bot) -> None:
    await bot.command("subscribe", "World")
    await bot.command("follow", "festival")
    assert "never pushed here now" in await bot.text("mute", "football OR cricket")
    assert "Muted here: football OR cricket" in await bot.text("mute")
    world = catalogue_feed_id(bot, "World")
    fresh_story(bot, "Football cup final tonight", world)
    fresh_story(bot, "Cricket festival opens", world)  # the followed topic matches it too
    fresh_story(bot, "Syria talks resume", world)
    [pushed] = (await deliver(bot, PRIVATE))[None]
    assert "Syria talks resume" in pushed
    assert "Football" not in pushed
    assert "Cricket" not in pushed
    assert "Football cup final tonight" in await bot.text("topic", "football")

    await bot.command("digest", "daily 08:00")  # the mute holds on the digest too
    fresh_story(bot, "Cricket scores", world)
    fresh_story(bot, "Harbour reopens", world)
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    morning = tomorrow.replace(hour=8, minute=0, second=0, microsecond=0)
    [digest] = (await deliver(bot, PRIVATE, at=morning))[None]
    assert "Harbour reopens" in digest
    assert "Cricket" not in digest
    assert "Nothing is muted here." in await bot.text("mute", "off")


async def test_only_admins_change_a_groups_filters(bot: Bot) -> None:
    group = SUPERGROUP_CHAT_ID
    await bot.command("subscribe", "World", chat=group)
    assert await bot.text("filter", "1 syria", chat=group, user=MEMBER) == str(texts.ADMINS_ONLY)
    assert await bot.text("mute", "syria", chat=group, user=MEMBER) == str(texts.ADMINS_ONLY)
    assert "No feed here has a filter" in await bot.text("filter", chat=group, user=MEMBER)
    assert "match syria" in await bot.text("filter", "1 syria", chat=group)
    assert "not subscribed" in (await bot.text("filter", "Nowhere syria", chat=group)).lower()
