"""/import and /export through real PTB: files sent to the stand-in, downloaded by the bot.

The OPML files are real files held by the stand-in (`add_file`); the bot gets them with
getFile and a download from `/file/bot<token>/...`, and fetches their feeds from the feed
server, as it would from Telegram and the web.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot import texts
from bot.core.opml import MAX_OPML_BYTES, Outline, parse_opml, render_opml
from bot.core.render import to_plain
from bot.store.chats import list_subscriptions
from tests.support.feed_server import FeedServer
from tests.support.paths import REPO
from tests.support.tg_api import BotApiStandIn
from tests.support.tg_bot import PRIVATE, Bot, buttons, running_bot
from tests.support.tg_updates import (
    BOT_ID,
    BOT_USERNAME,
    GROUP_CHAT_ID,
    USER_ID,
    document_update,
    make_document,
    my_chat_member_update,
)

MEMBER = 2002  # a group member who is not an administrator
EXPORT = (REPO / "tests/data/opml/reader-export.opml").read_text(encoding="utf-8")
UNTITLED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title></title>
<link>https://quiet.example/</link><item><title>Hello</title><link>https://quiet.example/1</link>
</item></channel></rss>"""
TOO_BIG = texts.OPML_TOO_BIG.format(limit="1 MB")


async def send_file(
    bot: Bot,
    document: dict[str, Any],
    caption: str = "",
    *,
    chat: int = PRIVATE,
    user: int = USER_ID,
) -> list[str]:
    """Send a document message; the plain texts of the bot's replies."""
    before = len(bot.api.sent_messages(chat))
    await bot.feed(document_update(document, caption=caption, chat_id=chat, user_id=user))
    return [m["plain_text"] for m in bot.api.sent_messages(chat)[before:]]


def reader_export(server: FeedServer, extra: str = "") -> bytes:
    """The other reader's export, its feeds on the feed server, with `extra` outlines."""
    text = EXPORT.replace("{base}", server.url.rstrip("/"))
    return text.replace("</body>", extra + "</body>").encode()


def feed_names(bot: Bot, chat_id: int = PRIVATE) -> dict[str, str]:
    """URL → the name the chat sees, of each of its feeds."""
    return {f.url: f.display_name for f in bot.store.read_sync(list_subscriptions, chat_id)}


@pytest.fixture
async def roomy(api: BotApiStandIn, feed_server: FeedServer, tmp_path: Path) -> Any:
    """The bot with room for four feeds a chat."""
    async with running_bot(api, feed_server, tmp_path, max_feeds_per_chat=4) as running:
        yield running


async def test_another_readers_export_is_imported_with_one_summary(roomy: Bot) -> None:
    bot, server = roomy, roomy.feeds
    server.add("/quiet.xml", UNTITLED, content_type="application/rss+xml")
    assert await bot.text("subscribe", "World") != ""  # the same feed as the file's first
    extra = (
        f'<outline text="Just a page" xmlUrl="{server.url_for("/feeds/page_without_feed.html")}"/>'
        f'<outline text="My quiet blog" type="rss" xmlUrl="{server.url_for("/quiet.xml")}"/>'
        f'<outline text="One too many" type="rss" xmlUrl="{server.url_for("/feeds/rss10.rdf")}"/>'
    )
    document = bot.api.add_file(reader_export(server, extra), "subscriptions.opml")

    [summary] = await send_file(bot, document, "/import")

    lines = summary.splitlines()
    assert lines[:4] == [
        "Imported from subscriptions.opml",
        "Imported: 3",
        "Already subscribed: 1",
        "Failed: 3",
    ]
    assert lines[4].startswith(f"• {server.url_for('/status/404')} – unreachable: ")
    assert "404" in lines[4]
    assert (
        lines[5]
        == f"• {server.url_for('/feeds/page_without_feed.html')} – not a feed, and links to none"
    )
    assert (
        lines[6] == f"• {server.url_for('/feeds/rss10.rdf')} – over this chat's limit of 4 feeds"
    )
    assert server.count("/feeds/rss10.rdf") == 0  # a full chat fetches nothing new
    names = feed_names(bot)
    assert names == {
        server.url_for("/feeds/atom10.xml"): "World",  # the catalogue's name stays
        server.url_for("/feeds/rss20.xml"): "Example News",  # the page's feed, its own title
        server.url_for("/feeds/rss091.xml"): "Tech",  # a catalogue name is not renamed
        server.url_for("/quiet.xml"): "My quiet blog",  # untitled: the file's title is kept
    }


def one_feed(url: str) -> bytes:
    """A minimal OPML file with one feed."""
    return f'<opml version="2.0"><body><outline xmlUrl="{url}"/></body></opml>'.encode()


async def test_import_then_a_file_and_an_opml_file_alone_in_private(bot: Bot) -> None:
    [asked] = await bot.command("import")
    assert "Send me the OPML file" in asked["plain_text"]
    rss20 = one_feed(bot.feeds.url_for("/feeds/rss20.xml"))
    as_xml = bot.api.add_file(rss20, "feeds.xml", "text/xml")
    [summary] = await send_file(bot, as_xml)  # no caption: /import asked for it
    assert "Imported: 1" in summary
    assert await send_file(bot, as_xml) == []  # once only: another .xml alone is left alone
    rss091 = bot.api.add_file(one_feed(bot.feeds.url_for("/feeds/rss091.xml")), "mine.OPML")
    [summary] = await send_file(bot, rss091)  # an .opml file alone in private: imported
    assert "Imported: 1" in summary
    assert len(feed_names(bot)) == 2


async def test_an_opml_file_alone_in_a_group_is_left_alone(bot: Bot) -> None:
    document = bot.api.add_file(one_feed(bot.feeds.url_for("/feeds/rss20.xml")), "a.opml")
    assert await send_file(bot, document, chat=GROUP_CHAT_ID) == []
    assert bot.api.calls_of("getFile") == []


async def test_export_then_import_again_adds_nothing(bot: Bot) -> None:
    await bot.command("subscribe", "World")
    await bot.command("subscribe", bot.feeds.url_for("/feeds/page_with_feed.html"))
    assert await bot.command("export") == []  # a document, not a text message
    [sent] = bot.api.sent_documents(PRIVATE)
    assert sent["filename"] == "digest-bot-feeds.opml"
    assert sent["plain_caption"] == to_plain(texts.EXPORT_CAPTION.format(count=2))
    assert parse_opml(sent["data"]) == [
        Outline(bot.feeds.url_for("/feeds/atom10.xml"), "World"),
        Outline(
            bot.feeds.url_for("/feeds/rss20.xml"), "Example News", "https://news.example.org/"
        ),
    ]
    text = sent["data"].decode()
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>\n<opml version="2.0">')
    assert 'type="rss"' in text
    # the exported file, as the user would forward it back (the same file_id)
    again = make_document(sent["file_id"], sent["filename"], "text/x-opml", len(sent["data"]))
    [summary] = await send_file(bot, again, "/import")
    assert summary.splitlines()[1:4] == ["Imported: 0", "Already subscribed: 2", "Failed: 0"]


async def test_export_without_feeds_says_so(bot: Bot) -> None:
    assert await bot.text("export") == to_plain(str(texts.NO_FEEDS))
    assert bot.api.sent_documents() == []


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    b"<opml><body><outline text='&lol3;' xmlUrl='http://127.0.0.1:9/'/></body></opml>"
)
XXE = (
    b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    b'<opml><body><outline text="&e;" xmlUrl="http://127.0.0.1:9/"/></body></opml>'
)


@pytest.mark.parametrize(
    ("data", "refusal"),
    [
        (b"not xml at all", str(texts.OPML_NOT_XML)),
        (b"\x89PNG\r\n\x1a\n", str(texts.OPML_NOT_XML)),
        (BILLION_LAUGHS, str(texts.OPML_DTD)),
        (XXE, str(texts.OPML_DTD)),
        (b"<rss version='2.0'><channel/></rss>", str(texts.OPML_NOT_OPML)),
        (
            b"<opml version='2.0'><body><outline text='a category'/></body></opml>",
            str(texts.IMPORT_EMPTY),
        ),
    ],
)
async def test_a_file_that_is_not_safe_opml_gets_one_line(
    bot: Bot, data: bytes, refusal: str
) -> None:
    document = bot.api.add_file(data, "feeds.opml")
    assert await send_file(bot, document, "/import") == [to_plain(refusal)]
    assert feed_names(bot) == {}


async def test_a_file_too_big_by_its_size_is_not_even_downloaded(bot: Bot) -> None:
    document = bot.api.add_file(one_feed("http://127.0.0.1:9/"), file_size=MAX_OPML_BYTES + 1)
    assert await send_file(bot, document, "/import") == [TOO_BIG]
    assert bot.api.calls_of("getFile") == []
    assert bot.api.downloads == []


async def test_a_file_too_big_once_downloaded_is_refused(bot: Bot) -> None:
    data = one_feed("http://127.0.0.1:9/").replace(b"<body>", b"<body>" + b" " * MAX_OPML_BYTES)
    document = bot.api.add_file(data)
    del document["file_size"]  # Telegram may leave it out
    assert await send_file(bot, document, "/import") == [TOO_BIG]
    assert len(bot.api.downloads) == 1


async def test_a_file_telegram_will_not_hand_a_bot_is_too_big(bot: Bot) -> None:
    document = bot.api.add_file(b"<opml/>", file_size=21 * 1024 * 1024)
    del document["file_size"]
    assert await send_file(bot, document, "/import") == [TOO_BIG]
    assert bot.api.downloads == []


async def test_in_a_group_only_administrators_import(bot: Bot) -> None:
    document = bot.api.add_file(one_feed(bot.feeds.url_for("/feeds/rss20.xml")), "a.opml")
    group = GROUP_CHAT_ID
    assert await send_file(bot, document, "/import", chat=group, user=MEMBER) == [
        to_plain(str(texts.ADMINS_ONLY))
    ]
    assert await bot.text("import", chat=group, user=MEMBER) == to_plain(str(texts.ADMINS_ONLY))
    assert await send_file(bot, document, chat=group, user=MEMBER) == []  # nothing waits
    assert feed_names(bot, group) == {}
    [summary] = await send_file(bot, document, f"/import@{BOT_USERNAME}", chat=group)
    assert "Imported: 1" in summary
    assert await bot.command("export", chat=group, user=MEMBER) == []  # anyone may export
    [sent] = bot.api.sent_documents(group)
    assert len(parse_opml(sent["data"])) == 1


async def test_a_guarded_bot_reports_a_blocked_address(
    api: BotApiStandIn, feed_server: FeedServer, tmp_path: Path
) -> None:
    async with running_bot(api, feed_server, tmp_path, guarded=True) as bot:
        document = bot.api.add_file(one_feed(feed_server.url_for("/feeds/rss20.xml")))
        [summary] = await send_file(bot, document, "/import")
    assert summary.splitlines()[3:5] == [
        "Failed: 1",
        f"• {feed_server.url_for('/feeds/rss20.xml')} – {texts.WHY_BLOCKED!s}",
    ]
    assert feed_server.count("/feeds/rss20.xml") == 0


async def test_a_channel_managed_from_private_imports_and_exports(bot: Bot) -> None:
    channel = -1002000000042
    bot.api.set_chat(channel, "channel", "Morning Brief", username="morningbrief")
    bot.api.set_admins(channel, [USER_ID, BOT_ID])
    await bot.feed(
        my_chat_member_update(
            channel, new_status="administrator", chat_type="channel", title="Morning Brief"
        )
    )
    [menu] = await bot.command("manage")
    await bot.press(buttons(menu)["Morning Brief"], menu)
    document = bot.api.add_file(one_feed(bot.feeds.url_for("/feeds/rss20.xml")), "a.opml")
    [summary] = await send_file(bot, document)
    assert "Imported: 1" in summary
    assert "Changed for: Morning Brief" in summary
    assert list(feed_names(bot, channel).values()) == ["Example News"]
    assert feed_names(bot) == {}
    await bot.command("export")
    [sent] = bot.api.sent_documents(PRIVATE)  # the file comes here, not to the channel
    assert "For: Morning Brief" in sent["plain_caption"]


async def test_a_summary_of_many_failures_stays_one_valid_message(bot: Bot) -> None:
    long = "http://127.0.0.1:9/" + "x" * 150  # nothing listens on port 9
    data = render_opml(Outline(f"{long}/{i}") for i in range(40)).encode()
    [summary] = await send_file(bot, bot.api.add_file(data), "/import")
    assert "Failed: 40" in summary
    assert summary.count("• ") == 15
    assert "… and 25 more" in summary
