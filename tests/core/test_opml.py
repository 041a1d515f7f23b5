"""The OPML module on its own: read a reader's export, refuse what is unsafe, write it back."""

from __future__ import annotations

import pytest

from bot import texts
from bot.core.opml import MAX_OPML_BYTES, MAX_OUTLINES, Outline, parse_opml, render_opml
from bot.errors import UserError
from tests.support.paths import REPO

EXPORT = (REPO / "tests/data/opml/reader-export.opml").read_text(encoding="utf-8")
BASE = "https://news.example"


def test_nested_outlines_and_categories_are_flattened_with_their_titles() -> None:
    outlines = parse_opml(EXPORT.replace("{base}", BASE).encode())
    assert outlines == [
        Outline(f"{BASE}/feeds/atom10.xml", "World (my name)", f"{BASE}/"),
        Outline(f"{BASE}/status/404", "Gone for good"),
        Outline(f"{BASE}/feeds/page_with_feed.html", "A blog page"),
        Outline(f"{BASE}/feeds/rss091.xml", "Old RSS"),  # `xmlurl`, as some readers write it
    ]


def test_an_outline_titled_with_its_own_url_has_no_title() -> None:
    data = (
        b'<opml version="1.0"><body><outline text="https://a.example/f"'
        b' xmlUrl="https://a.example/f"/></body></opml>'
    )
    assert parse_opml(data) == [Outline("https://a.example/f")]


def test_render_then_parse_gives_the_same_outlines() -> None:
    outlines = [
        Outline("https://a.example/feed?x=1&y=2", "A & <B>", "https://a.example/"),
        Outline("https://b.example/rss"),
    ]
    text = render_opml(outlines)
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>\n<opml version="2.0">')
    assert 'type="rss"' in text
    assert 'htmlUrl="https://a.example/"' in text
    assert parse_opml(text.encode()) == [outlines[0], Outline("https://b.example/rss")]


@pytest.mark.parametrize(
    "data",
    [
        # XXE: an external entity that would read a local file
        b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b'<opml><body><outline text="&e;" xmlUrl="https://a.example/"/></body></opml>',
        # billion laughs: internal entities that expand a thousand-fold each
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        b"<opml><body><outline text='&lol3;' xmlUrl='https://a.example/'/></body></opml>",
        # a bare DTD, no entities
        b'<!DOCTYPE opml SYSTEM "http://127.0.0.1/opml.dtd"><opml/>',
    ],
)
def test_a_dtd_is_refused_before_any_entity_is_read(data: bytes) -> None:
    with pytest.raises(UserError) as refused:
        parse_opml(data)
    assert str(refused.value) == str(texts.OPML_DTD)


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"<opml><body>", str(texts.OPML_NOT_XML)),
        (b"\x89PNG\r\n\x1a\n\x00\x00", str(texts.OPML_NOT_XML)),
        (b"", str(texts.OPML_NOT_XML)),
        (b"<rss version='2.0'><channel/></rss>", str(texts.OPML_NOT_OPML)),
        (b" " * (MAX_OPML_BYTES + 1), texts.OPML_TOO_BIG.format(limit="1 MB")),
    ],
)
def test_what_is_not_opml_is_refused_in_one_line(data: bytes, text: str) -> None:
    with pytest.raises(UserError) as refused:
        parse_opml(data)
    assert str(refused.value) == text


def test_a_file_with_too_many_feeds_is_refused() -> None:
    many = [Outline(f"https://a.example/{i}") for i in range(MAX_OUTLINES + 1)]
    with pytest.raises(UserError, match=f"at most {MAX_OUTLINES}"):
        parse_opml(render_opml(many).encode())
    assert len(parse_opml(render_opml(many[:-1]).encode())) == MAX_OUTLINES
