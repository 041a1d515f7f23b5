"""Parsing feeds and identifying stories (pure functions over the files in tests/data/feeds)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.feeds import canonical_url, discover_feeds, drop_bad_char_refs, entry_key, parse_feed
from bot.core.textnorm import html_to_text, search_text
from bot.errors import FeedError
from tests.support.paths import TEST_DATA

DATA = TEST_DATA / "feeds"
FEED_FILES = sorted(p.name for p in DATA.iterdir() if p.suffix in (".xml", ".rdf"))


def _parse(name: str, url: str = "https://feeds.example.org/feed") -> object:
    return parse_feed((DATA / name).read_bytes(), url)


@pytest.mark.parametrize(
    ("name", "title", "count"),
    [
        ("rss20.xml", "Example News", 5),
        ("rss10.rdf", "RDF Example", 2),
        ("rss091.xml", "Old School", 2),
        ("atom10.xml", "Atom Example", 2),
        ("atom03.xml", "Atom 0.3 Example", 1),
        ("empty.xml", "Empty Feed", 0),
    ],
)
def test_each_format_parses(name: str, title: str, count: int) -> None:
    feed = parse_feed((DATA / name).read_bytes(), "https://feeds.example.org/feed")
    assert feed.is_feed
    assert feed.title == title
    assert len(feed.entries) == count
    assert all(entry.key and entry.title for entry in feed.entries)


def test_rss20_fields_are_normalised() -> None:
    feed = parse_feed((DATA / "rss20.xml").read_bytes(), "https://news.example.org/feed")
    first = feed.entries[0]
    assert first.key == "https://news.example.org/2026/11/budget"
    assert first.published == datetime(2026, 11, 25, 7, 30, tzinfo=UTC)
    assert first.summary == "The budget passed by 201 votes to 180."
    assert first.content.startswith("The budget passed by 201 votes to 180 after a debate")
    assert first.author == "Ana Silva"
    # A list in one <category> gives each; "Uncategorized" and a repeat in other case do not.
    assert first.categories == ("Politics", "Budget", "Parliament")
    assert feed.site_url == "https://news.example.org/"
    assert feed.ttl_s == 1800  # <ttl>30</ttl>
    assert feed.update_period_s == 1800  # hourly, twice
    storm = feed.entries[1]
    assert storm.published == datetime(2026, 11, 25, 5, 0, tzinfo=UTC)  # +0100 → UTC
    assert storm.key == "guid:example-news-4711"
    assert storm.categories == ()
    assert feed.entries[2].key == "https://news.example.org/2026/11/cafe"  # :443, upper case


def test_atom_entry_uses_id_and_content() -> None:
    feed = parse_feed((DATA / "atom10.xml").read_bytes(), "https://atom.example.org/feed.atom")
    entry = feed.entries[0]
    assert entry.key == "guid:tag:atom.example.org,2026:one"
    assert entry.link == "https://atom.example.org/one"
    assert entry.summary == "First summary."
    assert entry.content == "Full content of the first Atom story."
    assert entry.author == "Jo Writer"
    # The label when there is one, else the term; a URL term (a scheme marker) is no tag.
    assert entry.categories == ("World", "Middle East")


def test_entries_without_guid_or_date_get_stable_keys() -> None:
    url = "https://noguid.example.org/feed"
    first = parse_feed((DATA / "no_guid.xml").read_bytes(), url)
    again = parse_feed((DATA / "no_guid.xml").read_bytes(), url)
    keys = [e.key for e in first.entries]
    assert keys == [e.key for e in again.entries]
    assert keys[0] == "https://noguid.example.org/a"  # fbclid and fragment dropped
    assert keys[1].startswith("hash:")
    assert keys[2].startswith("hash:")
    assert first.entries[2].published is None


def test_duplicated_guids_keep_the_first_entry() -> None:
    feed = parse_feed((DATA / "dup_guids.xml").read_bytes(), "https://dup.example.org/feed")
    assert [e.title for e in feed.entries] == ["First copy", "Different"]
    assert feed.entries[0].key == "guid:dup.example.org:same-guid"


@pytest.mark.parametrize("name", ["wrong_charset.xml", "no_charset.xml"])
def test_wrong_or_missing_charset_is_decoded(name: str) -> None:
    feed = parse_feed((DATA / name).read_bytes(), "https://latin.example.org/feed")
    assert feed.is_feed
    assert len(feed.entries) == 1
    title = feed.entries[0].title
    assert "\ufffd" not in title
    assert title in ("Résumé of the naïve café", "“Quoted” news – today")


def test_invalid_xml_keeps_what_can_be_read() -> None:
    feed = parse_feed((DATA / "invalid.xml").read_bytes(), "https://broken.example.org/feed")
    assert feed.entries[0].key == "https://broken.example.org/a"


def test_web_page_with_alternate_link_offers_feeds() -> None:
    feed = parse_feed(
        (DATA / "page_with_feed.html").read_bytes(),
        "https://site.example.org/news/",
        {"content-type": "text/html; charset=utf-8"},
    )
    assert not feed.is_feed
    assert feed.title == "Example Site"
    assert feed.alternate_feeds == (
        "https://site.example.org/feeds/rss20.xml",
        "https://atom.example.org/feed.atom",
    )


def test_web_page_without_feed_link() -> None:
    feed = parse_feed((DATA / "page_without_feed.html").read_bytes(), "https://a.example.org/")
    assert not feed.is_feed
    assert feed.alternate_feeds == ()


def test_plain_garbage_is_a_feed_error() -> None:
    with pytest.raises(FeedError, match=r"^not a feed"):
        parse_feed(b"\x00\x01 hello there \xff", "https://a.example.org/")


def test_bytes_naming_a_local_file_are_not_opened() -> None:
    with pytest.raises(FeedError):
        parse_feed(str(DATA / "rss20.xml").encode(), "https://a.example.org/")


def test_discover_feeds_honours_base_and_ignores_other_links() -> None:
    html = (
        '<head><base href="https://cdn.example.org/x/">'
        '<link rel="alternate" type="application/atom+xml" href="atom.xml">'
        '<link rel="alternate" type="text/html" href="/fr/">'
        '<link rel="alternate feed" type="application/rss+xml" href="javascript:alert(1)">'
        "</head>"
    )
    assert discover_feeds(html, "https://example.org/") == ("https://cdn.example.org/x/atom.xml",)


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        (
            "HTTPS://News.Example.ORG:443/a?utm_source=x&id=3#frag",
            "https://news.example.org/a?id=3",
        ),
        ("http://example.org:80", "http://example.org/"),
        ("http://example.org:8080/p?gclid=1&fbclid=2", "http://example.org:8080/p"),
        ("https://example.org/Case/Path?b=2&a=1", "https://example.org/Case/Path?b=2&a=1"),
        ("not a url", "not a url"),
    ],
)
def test_canonical_url(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


def test_same_story_in_two_feeds_gets_one_key() -> None:
    a = entry_key("https://ex.org/story?utm_medium=rss", "", "T", None, "https://ex.org/world.xml")
    b = entry_key("", "https://EX.org/story#x", "T", None, "https://other.org/feed")
    assert a == b == "https://ex.org/story"
    # Short guids are site-local: same host shares them, other sites do not.
    assert entry_key("42", "", "", None, "https://ex.org/a.xml") == entry_key(
        "42", "", "", None, "https://ex.org/b.xml"
    )
    assert entry_key("42", "", "", None, "https://ex.org/a") != entry_key(
        "42", "", "", None, "https://other.org/a"
    )


def test_search_text_and_html_to_text() -> None:
    assert search_text("Café «Zürich»", ["économie", "EU"], "Naïve—text!") == (
        "cafe zurich economie eu naive text"
    )
    assert html_to_text("<p>One &amp; two</p><script>x()</script><p>three</p>") == (
        "One & two\nthree"
    )


_SAMPLES = [(DATA / name).read_bytes() for name in FEED_FILES]


def _check_boundary(data: bytes) -> None:
    try:
        feed = parse_feed(data, "https://fuzz.example.org/feed")
    except FeedError:
        return
    for entry in feed.entries:
        assert isinstance(entry.key, str)
        assert entry.key
        assert entry.published is None or entry.published.tzinfo is UTC


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_random_bytes_never_escape_the_parser(data: bytes) -> None:
    _check_boundary(data)


@st.composite
def _mutated_feed(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(_SAMPLES)))
    for _ in range(draw(st.integers(1, 8))):
        pos = draw(st.integers(0, max(0, len(data) - 1)))
        action = draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        if action == "flip" and data:
            data[pos] = draw(st.integers(0, 255))
        elif action == "cut":
            del data[pos:]
        elif action == "insert":
            data[pos:pos] = draw(
                st.sampled_from([b"<", b"&", b"]]>", b"<item>", b"\xff\xfe", b"\x00"])
            )
        elif data:
            del data[pos : pos + draw(st.integers(1, 50))]
    return bytes(data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutated_feed())
def test_mutated_real_feeds_never_escape_the_parser(data: bytes) -> None:
    _check_boundary(data)


def test_external_entities_are_not_resolved() -> None:
    data = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<rss version="2.0"><channel><title>T</title>'
        b"<item><title>a &x; b</title><link>https://a.example.org/x</link></item>"
        b"</channel></rss>"
    )
    feed = parse_feed(data, "https://a.example.org/feed")
    assert "root" not in feed.entries[0].title


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        (b"a&#0;b", b"ab"),
        (b"a&#xD800;b&#55296;c", b"abc"),
        (b"&#x1;&#127;&#x81;&#xFFFE;", b""),
        (b"It&#146;s &#150; &#128;5 &#x9F;", b"It&#8217;s &#8211; &#8364;5 &#376;"),
        (b"&#99999999999;&#x110000;", b""),
        (b"&#9;&#10;&#233;&#x1F600;&amp;", b"&#9;&#10;&#233;&#x1F600;&amp;"),
    ],
)
def test_references_to_impossible_characters_are_dropped(raw: bytes, kept: bytes) -> None:
    assert drop_bad_char_refs(raw) == kept


def test_control_characters_never_reach_a_title() -> None:
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>T\x1b[31m</title><item>'
        b"<title>Bell\x07 and\x00 NUL &#x85;</title><link>http://c.example/1</link></item>"
        b"</channel></rss>"
    )
    parsed = parse_feed(body, "http://c.example/feed")
    assert parsed.title == "T[31m"
    assert [e.title for e in parsed.entries] == ["Bell and NUL …"]  # &#x85; is cp1252's …


def test_categories_are_bounded_and_junk_is_dropped() -> None:
    """A hostile or careless feed cannot flood a story's tags with long, odd or empty values."""
    junk = [
        "  Middle\n   East  ",
        "x" * 41,
        "2024",
        "#12",
        "http://example.org/tags/world",
        "www.example.org",
        "Ops\x07 room",
        "GENERAL",
        "Non classé",
        "Crime &amp; Justice",
        "middle east",
    ]
    many = [f"Topic {n}" for n in range(1000)]
    items = "".join(f"<category>{value}</category>" for value in [*junk, *many])
    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item><title>A</title>'
        f"<link>http://c.example/1</link>{items}</item></channel></rss>"
    ).encode()
    [entry] = parse_feed(body, "http://c.example/feed").entries
    assert entry.categories == ("Middle East", "Ops room", "Crime & Justice", "Topic 0", "Topic 1")
