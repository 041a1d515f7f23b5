"""Links in messages and URL spellings users type."""

from __future__ import annotations

import pytest

from bot.core.user_input import find_link, looks_like_url, normalise_url, shown_url, start_link
from bot.errors import UserError


@pytest.mark.parametrize(
    ("text", "link"),
    [
        ("see https://example.org/feed.xml.", "https://example.org/feed.xml"),
        ("(HTTP://Example.org/a?b=c)", "HTTP://Example.org/a?b=c"),
        ('"https://example.org/x", he said', "https://example.org/x"),
        ("no link here, only example.org", None),
        ("ftp://example.org/file", None),
    ],
)
def test_find_link(text: str, link: str | None) -> None:
    assert find_link(text) == link


def test_looks_like_url() -> None:
    assert looks_like_url("https://example.org/rss")
    assert looks_like_url("example.org/rss")
    assert not looks_like_url("World")
    assert not looks_like_url("two words.com")


def test_a_bare_host_gets_https_and_a_malformed_url_is_refused() -> None:
    assert normalise_url("example.org/rss") == "https://example.org/rss"
    assert normalise_url("HTTP://example.org/rss") == "HTTP://example.org/rss"
    for bad in ("https://[::1", "https://example.org:99999/", "https://", "x" * 2001):
        with pytest.raises(UserError):
            normalise_url(bad)


def test_a_shown_url_is_escaped_and_cut() -> None:
    assert shown_url("https://e.org/?a=1&b=<2>") == "https://e.org/?a=1&amp;b=&lt;2&gt;"
    assert len(shown_url("https://e.org/" + "a" * 500)) == 200


@pytest.mark.parametrize(
    ("payload", "link"),
    [
        ("subscribe-wire-world", ("subscribe", "wire-world")),
        ("topic-syria", ("topic", "syria")),
        ("topic-climate_deal", ("topic", "climate deal")),
        ("topic-syria_-football", ("topic", "syria -football")),
        ("topic-_a__b_", ("topic", "a b")),
        ("topic-", None),
        ("topic-___", None),
        ("subscribe-", None),
        ("hello", None),
        ("topic-syria!", None),  # not a payload Telegram carries
        ("topic-" + "a" * 59, None),  # 65 characters
    ],
)
def test_start_link(payload: str, link: tuple[str, str] | None) -> None:
    assert start_link(payload) == link
