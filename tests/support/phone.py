"""How much of a phone screen a message takes, for tests of the digest's shape.

A rough, fixed model of Telegram on a 390-pt-wide phone: about 38 characters per line of body
text and 34 lines per screen; an expandable blockquote shows 3 lines until tapped. With it, the
8-story digest captured in the UX review (3,752 visible characters, 89 lines) measures 2.6
screens,
as the review's mock-ups did.
"""

from __future__ import annotations

import html
import re
import textwrap

LINE_WIDTH = 38
SCREEN_LINES = 34
FOLDED_LINES = 3
_QUOTE_RE = re.compile(r"<blockquote expandable>(.*?)</blockquote>", re.S)
_TAG_RE = re.compile(r"<[^>]+>")


def phone_lines(markup: str) -> int:
    """Lines the message fills with every expandable quote folded."""

    def fold(match: re.Match[str]) -> str:
        text = html.unescape(_TAG_RE.sub("", match.group(1)))
        return html.escape("\n".join(textwrap.wrap(text, LINE_WIDTH)[:FOLDED_LINES]))

    text = html.unescape(_TAG_RE.sub("", _QUOTE_RE.sub(fold, markup)))
    return sum(max(1, len(textwrap.wrap(line, LINE_WIDTH))) for line in text.split("\n"))


def phone_screens(markup: str) -> float:
    """Screens the message fills with every expandable quote folded."""
    return phone_lines(markup) / SCREEN_LINES
