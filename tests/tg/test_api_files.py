"""Files through the stand-in, driven by real PTB: sendDocument, getFile and the download."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import telegram
from telegram import Update
from telegram.error import BadRequest

from tests.support.tg_api import BotApiStandIn
from tests.support.tg_updates import document_update, make_document

PRIVATE = 42


@pytest.fixture
def api() -> Iterator[BotApiStandIn]:
    """A running stand-in."""
    with BotApiStandIn() as standin:
        yield standin


@pytest.fixture
async def bot(api: BotApiStandIn) -> AsyncIterator[telegram.Bot]:
    """A PTB Bot that downloads files from the stand-in, as the bot's builder sets it up."""
    file_url = api.base_url.removesuffix("/bot") + "/file/bot"
    async with telegram.Bot(api.token, base_url=api.base_url, base_file_url=file_url) as ptb:
        yield ptb


async def test_a_sent_document_is_recorded_with_its_bytes_and_caption(
    api: BotApiStandIn, bot: telegram.Bot
) -> None:
    sent = await bot.send_document(
        PRIVATE,
        b"<opml/>",
        filename="digest-bot-feeds.opml",
        caption="<b>2</b> feeds",
        parse_mode="HTML",
    )
    assert sent.document is not None
    assert sent.document.file_name == "digest-bot-feeds.opml"
    assert sent.caption == "2 feeds"
    [document] = api.sent_documents(PRIVATE)
    assert document["data"] == b"<opml/>"
    assert document["filename"] == "digest-bot-feeds.opml"
    assert document["plain_caption"] == "2 feeds"
    assert api.sent_messages() == []  # documents are not text messages


async def test_a_caption_is_validated_like_a_text(bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can.t parse entities"):
        await bot.send_document(PRIVATE, b"x", filename="a.txt", caption="<b>x", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await bot.send_document(PRIVATE, b"x", filename="a.txt", caption="x" * 1025)


async def test_a_file_a_user_sent_is_downloaded_through_get_file(
    api: BotApiStandIn, bot: telegram.Bot
) -> None:
    document = api.add_file(b"<opml version='2.0'/>", "mine.opml")
    file = await bot.get_file(document["file_id"])
    assert file.file_path is not None
    assert file.file_path.startswith(api.url + "/file/bot" + api.token + "/documents/")
    assert await file.download_as_bytearray() == bytearray(b"<opml version='2.0'/>")
    assert api.downloads == [file.file_path.rpartition(api.token + "/")[2]]


async def test_what_the_bot_sent_can_be_fetched_again(
    api: BotApiStandIn, bot: telegram.Bot
) -> None:
    sent = await bot.send_document(PRIVATE, b"round trip", filename="back.opml")
    assert sent.document is not None
    file = await bot.get_file(sent.document.file_id)
    assert await file.download_as_bytearray() == bytearray(b"round trip")


async def test_bots_may_not_download_more_than_20_mb(
    api: BotApiStandIn, bot: telegram.Bot
) -> None:
    document = api.add_file(b"small really", file_size=21 * 1024 * 1024)
    with pytest.raises(BadRequest, match=r"(?i)file is too big"):
        await bot.get_file(document["file_id"])
    with pytest.raises(BadRequest, match=r"(?i)invalid file_id"):
        await bot.get_file("no-such-file")


async def test_a_document_update_parses_as_ptb_does(bot: telegram.Bot) -> None:
    update = Update.de_json(
        document_update(make_document("f1", "a.xml", "text/xml", 12), caption="/import"), bot
    )
    assert update is not None
    message = update.effective_message
    assert message is not None
    assert message.document is not None
    assert message.document.file_name == "a.xml"
    assert message.document.file_size == 12
    assert message.caption == "/import"
    assert message.caption_entities[0].type == "bot_command"
    assert message.text is None
