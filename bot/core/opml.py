"""OPML subscription lists: read one (safely) and write one, for the CLI and the chat alike.

Reading goes through defusedxml with `forbid_dtd`: a document with a DTD is refused before any
entity is declared, so no external entity (XXE) is fetched and no billion laughs expands. We
walk the tree ourselves rather than use listparser: listparser reads with lxml's HTML parser in
recover mode (or html.parser), so it cannot tell broken XML from OPML, fetches a URL itself when
given one as text, and its handling of a DTD depends on whether lxml is installed.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from bot import texts
from bot.errors import UserError

MAX_OPML_BYTES = 1024 * 1024  # "1 MB": far above any real reader's export
MAX_OUTLINES = 200  # feeds one file may carry (the chat's feed limit applies on top)


@dataclass(frozen=True)
class Outline:
    """One feed of an OPML list: its feed URL, the title the list gives it, its site."""

    url: str
    title: str = ""
    site_url: str = ""


def parse_opml(data: bytes) -> list[Outline]:
    """The feed outlines of an OPML document, nested ones and categories flattened, each URL
    once, in document order; a `UserError` for a file too big, not XML, with a DTD, not OPML or
    with more than `MAX_OUTLINES` feeds."""
    if len(data) > MAX_OPML_BYTES:
        raise UserError(texts.OPML_TOO_BIG.format(limit="1 MB"))
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise UserError(texts.OPML_DTD) from None
    except ET.ParseError:
        raise UserError(texts.OPML_NOT_XML) from None
    if _local(root.tag) != "opml":
        raise UserError(texts.OPML_NOT_OPML)
    found: dict[str, Outline] = {}
    for element in root.iter():
        outline = _outline(element)
        if outline is not None and outline.url not in found:
            found[outline.url] = outline
    if len(found) > MAX_OUTLINES:
        raise UserError(texts.OPML_TOO_MANY.format(count=len(found), limit=MAX_OUTLINES))
    return list(found.values())


def _local(tag: object) -> str:
    """A tag without its namespace (some readers put OPML in one)."""
    return str(tag).rpartition("}")[2].lower()


def _attr(element: Element, name: str) -> str:
    """An attribute, whatever its case (`xmlUrl`, `xmlurl`, `XMLURL` all occur)."""
    wanted = name.lower()
    for key, value in element.attrib.items():
        if _local(key) == wanted:
            return " ".join(value.split())
    return ""


def _outline(element: Element) -> Outline | None:
    """The feed an `<outline>` names, or None for a category or another element."""
    if _local(element.tag) != "outline":
        return None
    url = _attr(element, "xmlUrl")
    if not url:
        return None
    title = _attr(element, "title") or _attr(element, "text")
    return Outline(url, "" if title == url else title, _attr(element, "htmlUrl"))


def render_opml(outlines: Iterable[Outline], title: str = "digest-bot feeds") -> str:
    """An OPML 2.0 document listing the feeds (`text` and `title` both carry the name)."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    body = ET.SubElement(root, "body")
    for outline in outlines:
        name = outline.title or outline.url
        attrs = {"type": "rss", "text": name, "title": name, "xmlUrl": outline.url}
        if outline.site_url:
            attrs["htmlUrl"] = outline.site_url
        ET.SubElement(body, "outline", attrs)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, "unicode") + "\n"
