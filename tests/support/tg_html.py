"""A pure validator of Telegram's HTML parse mode, strict where the Bot API docs are.

`validate_telegram_html(text)` returns the plain text Telegram would show, or raises
`TelegramHtmlError` whose message is the reason Telegram gives after "can't parse entities: ".
`parse_telegram_html(text)` also returns the entities (offsets in UTF-16 code units).

Rules (https://core.telegram.org/bots/api#html-style):
- tags: b strong i em u ins s strike del tg-spoiler, span class="tg-spoiler", a href, code,
  pre, code class="language-x" (inside pre), blockquote (boolean attribute expandable),
  tg-emoji emoji-id; tag and attribute names are case-insensitive;
- entities: &lt; &gt; &amp; &quot; and numeric &#NN; / &#xHH; (the semicolon is required);
- any other tag or attribute, a `<` or `&` that starts no tag or entity, an unclosed or
  mis-nested tag is an error. A bare `>` is accepted, as real Telegram does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_ALLOWED_ATTRS: dict[str, frozenset[str]] = {
    "b": frozenset(),
    "strong": frozenset(),
    "i": frozenset(),
    "em": frozenset(),
    "u": frozenset(),
    "ins": frozenset(),
    "s": frozenset(),
    "strike": frozenset(),
    "del": frozenset(),
    "tg-spoiler": frozenset(),
    "span": frozenset({"class"}),
    "a": frozenset({"href"}),
    "code": frozenset({"class"}),
    "pre": frozenset(),
    "blockquote": frozenset({"expandable"}),
    "tg-emoji": frozenset({"emoji-id"}),
}
_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TEXT_RUN = re.compile(r"[^<&]+")
_ENTITY = re.compile(r"&(#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8}|[A-Za-z][A-Za-z0-9]{0,31});")
_NAME = re.compile(r"[A-Za-z0-9_-]*")
_SPACE = re.compile(r"\s*")
_UNQUOTED_VALUE = re.compile(r"[^\s>\"'<`]+")


class TelegramHtmlError(ValueError):
    """The text is not valid Telegram HTML; the message is Telegram's reason."""


@dataclass
class _OpenTag:
    name: str
    attrs: dict[str, str]
    start: int  # UTF-16 offset in the plain text
    byte_offset: int
    language: str | None = None


@dataclass
class _Parser:
    text: str
    pos: int = 0
    out: list[str] = field(default_factory=list)
    out_len: int = 0  # UTF-16 code units
    stack: list[_OpenTag] = field(default_factory=list)
    entities: list[dict[str, object]] = field(default_factory=list)

    def fail(self, reason: str, at: int | None = None) -> TelegramHtmlError:
        """An error naming the byte offset of `at` (default: the current position)."""
        offset = len(self.text[: self.pos if at is None else at].encode("utf-8"))
        return TelegramHtmlError(reason.replace("{at}", f"at byte offset {offset}"))

    def emit(self, chunk: str) -> None:
        """Append plain text."""
        self.out.append(chunk)
        self.out_len += utf16_len(chunk)


def utf16_len(text: str) -> int:
    """The length of `text` in UTF-16 code units, as Telegram counts."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def validate_telegram_html(text: str) -> str:
    """Return the plain text of Telegram HTML `text`; raise TelegramHtmlError if malformed."""
    return parse_telegram_html(text)[0]


def parse_telegram_html(text: str) -> tuple[str, list[dict[str, object]]]:
    """Return the plain text and the Bot API entities of Telegram HTML `text`."""
    p = _Parser(text)
    while p.pos < len(text):
        run = _TEXT_RUN.match(text, p.pos)
        if run:
            p.emit(run.group())
            p.pos = run.end()
        elif text.startswith("</", p.pos):
            _end_tag(p)
        elif text[p.pos] == "<":
            _start_tag(p)
        else:
            p.emit(_entity(p))
    if p.stack:
        name = p.stack[-1].name
        raise TelegramHtmlError(f'Can\'t find end tag corresponding to start tag "{name}"')
    p.entities.sort(key=lambda e: (e["offset"], -int(str(e["length"]))))
    return "".join(p.out), p.entities


def _entity(p: _Parser) -> str:
    """Decode the HTML entity at the current `&`."""
    m = _ENTITY.match(p.text, p.pos)
    if not m:
        raise p.fail('Character "&" must be escaped as "&amp;" {at}')
    body = m.group(1)
    if body.startswith("#"):
        code = int(body[2:], 16) if body[1:2] in ("x", "X") else int(body[1:])
        if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise p.fail(f'Invalid HTML entity "{m.group()}" {{at}}')
        decoded = chr(code)
    elif body in _NAMED_ENTITIES:
        decoded = _NAMED_ENTITIES[body]
    else:
        raise p.fail(f'Unsupported HTML entity "{m.group()}" {{at}}')
    p.pos = m.end()
    return decoded


def _start_tag(p: _Parser) -> None:
    """Parse `<name attr=...>` and push it on the stack."""
    begin = p.pos
    m = _NAME.match(p.text, p.pos + 1)
    name = m.group().lower() if m else ""
    if name not in _ALLOWED_ATTRS:
        raise p.fail(f'Unsupported start tag "{name}" {{at}}')
    p.pos = m.end() if m else p.pos + 1
    attrs = _attributes(p, name, begin)
    _check_attrs(p, name, attrs, begin)
    tag = _OpenTag(name, attrs, p.out_len, len(p.text[:begin].encode("utf-8")))
    if name == "code" and p.stack and p.stack[-1].name == "pre":
        language = attrs.get("class", "")
        p.stack[-1].language = language.removeprefix("language-") or None
    p.stack.append(tag)


def _attributes(p: _Parser, tag: str, begin: int) -> dict[str, str]:
    """Parse attributes up to and including the closing `>`."""
    attrs: dict[str, str] = {}
    text = p.text
    while True:
        p.pos = _SPACE.match(text, p.pos).end()  # type: ignore[union-attr]
        if p.pos >= len(text):
            raise p.fail("Unclosed start tag {at}", begin)
        if text[p.pos] == ">":
            p.pos += 1
            return attrs
        m = _NAME.match(text, p.pos)
        attr = m.group().lower() if m else ""
        if not attr:
            raise p.fail(f'Unexpected character in the tag "{tag}" {{at}}')
        p.pos = m.end()  # type: ignore[union-attr]
        p.pos = _SPACE.match(text, p.pos).end()  # type: ignore[union-attr]
        if text.startswith("=", p.pos):
            attrs[attr] = _attr_value(p, tag, begin)
        elif attr == "expandable":
            attrs[attr] = ""
        else:
            raise p.fail(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" {{at}}'
            )


def _attr_value(p: _Parser, tag: str, begin: int) -> str:
    """Parse `= value` (quoted or not) and decode its entities."""
    text = p.text
    p.pos = _SPACE.match(text, p.pos + 1).end()  # type: ignore[union-attr]
    if p.pos >= len(text):
        raise p.fail("Unclosed start tag {at}", begin)
    quote = text[p.pos]
    if quote in "\"'":
        end = text.find(quote, p.pos + 1)
        if end < 0:
            raise p.fail("Unclosed start tag {at}", begin)
        raw, value_start, p.pos = text[p.pos + 1 : end], p.pos + 1, end + 1
    else:
        m = _UNQUOTED_VALUE.match(text, p.pos)
        if not m:
            raise p.fail(f'Expected attribute value in the tag "{tag}" {{at}}')
        raw, value_start, p.pos = m.group(), p.pos, m.end()
    return _decode_attr(p, raw, value_start)


def _decode_attr(p: _Parser, raw: str, start: int) -> str:
    """Decode entities in an attribute value, with the same strictness as text."""
    if "&" not in raw:
        return raw
    sub = _Parser(p.text, pos=start)
    end = start + len(raw)
    while sub.pos < end:
        nxt = p.text.find("&", sub.pos, end)
        if nxt < 0:
            sub.out.append(p.text[sub.pos : end])
            break
        sub.out.append(p.text[sub.pos : nxt])
        sub.pos = nxt
        sub.out.append(_entity(sub))
    return "".join(sub.out)


def _check_attrs(p: _Parser, tag: str, attrs: dict[str, str], begin: int) -> None:
    """Reject attributes Telegram does not allow on `tag`."""
    for attr in attrs:
        if attr not in _ALLOWED_ATTRS[tag]:
            raise p.fail(f'Unsupported attribute "{attr}" in the tag "{tag}" {{at}}', begin)
    if tag == "span" and attrs.get("class") != "tg-spoiler":
        raise p.fail('Tag "span" must have class "tg-spoiler" {at}', begin)
    if tag == "code" and "class" in attrs and not attrs["class"].startswith("language-"):
        raise p.fail('Tag "code" may only have class "language-..." {at}', begin)
    if tag == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
        raise p.fail('Tag "tg-emoji" must have a numeric attribute "emoji-id" {at}', begin)


def _end_tag(p: _Parser) -> None:
    """Parse `</name>` and pop the matching start tag, recording its entity."""
    begin = p.pos
    m = _NAME.match(p.text, p.pos + 2)
    name = m.group().lower() if m else ""
    p.pos = _SPACE.match(p.text, m.end() if m else p.pos + 2).end()  # type: ignore[union-attr]
    if not p.text.startswith(">", p.pos):
        raise p.fail("Unclosed end tag {at}", begin)
    p.pos += 1
    if not p.stack:
        raise p.fail("Unexpected end tag {at}", begin)
    tag = p.stack[-1]
    if tag.name != name:
        raise p.fail(
            f'Unmatched end tag {{at}}, expected "</{tag.name}>", found "</{name}>"', begin
        )
    p.stack.pop()
    _record_entity(p, tag)


def _record_entity(p: _Parser, tag: _OpenTag) -> None:
    """Add the Bot API entity for a closed tag (empty ones are dropped, as Telegram does)."""
    length = p.out_len - tag.start
    inside_pre = tag.name == "code" and p.stack and p.stack[-1].name == "pre"
    if length <= 0 or inside_pre:
        return
    entity: dict[str, object] = {"type": _ENTITY_TYPES[tag.name], "offset": tag.start}
    entity["length"] = length
    if tag.name == "a":
        entity["url"] = tag.attrs.get("href", "")
    elif tag.name == "pre" and tag.language:
        entity["language"] = tag.language
    elif tag.name == "blockquote" and "expandable" in tag.attrs:
        entity["type"] = "expandable_blockquote"
    elif tag.name == "tg-emoji":
        entity["custom_emoji_id"] = tag.attrs["emoji-id"]
    p.entities.append(entity)
