"""Story text from an HTML page or plain text, without page furniture.

trafilatura finds the main text of an HTML string (it never fetches here); it was chosen by
measurement on the shared extraction set (token F1 0.954, see `benchmarks/summaries.py`).
`clean_story_text` then drops the furniture that extractors keep: "See also" and related
links, newsletter boxes, comment forms, share lines, bylines and copyright footers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from trafilatura.settings import Document

# Bounds on what one page may cost: trafilatura's time grows with the page, so a page is cut
# to MAX_PAGE_CHARS before extraction, and a story keeps at most MAX_TEXT_CHARS of text.
MAX_PAGE_CHARS = 2_000_000
MAX_TEXT_CHARS = 200_000
_MAX_FURNITURE_WORDS = 25
_MAX_HEADLINE_WORDS = 25

_FURNITURE_START = re.compile(
    r"^(see also|also read|read also|read more|more from|more on this|you may also like"
    r"|you might also like|recommended( for you| reading)?|related( articles?| stories| posts"
    r"| news| content| coverage| reading| topics)?\s*[:\-–—|]|related$|most read|trending( now)?"
    r"|subscribe|sign up|get the latest|join our|newsletter|discover more from"
    r"|leave a (reply|comment)|post a comment|cancel reply|comments?\s*(\(\d+\)|\d+)?$"
    r"|share( this| on| via|:|$)|click to (share|print|email)|tweet$|print$|email$"
    r"|advertisement$|story continues below|continue reading|follow us"
    r"|(written |posted |reporting |editing |words |photos? )?by"
    r"\s+[A-Z][\w.'-]*(\s+[A-Z][\w.'-]*){0,3}"
    r"(\s*[|,;:-].*)?$|reporting by|editing by|published\s*:?\s*\d|updated\s*:?\s*\d"
    r"|©|\(c\)\s*\d{4}|copyright\b)",
    re.IGNORECASE,
)
# The same boxes in German, French, Spanish, Italian, Portuguese and Russian pages.
_FURNITURE_START_INTL = re.compile(
    r"^(lesen sie (auch|mehr)|mehr zum thema|auch interessant|weiterlesen|jetzt abonnieren"
    r"|lesezeit|anzeige$|kommentare?\b|teilen( sie| auf|:|$)|folgen sie uns"
    r"|(à )?lire (aussi|également|la suite)|voir aussi|sur le même sujet|temps de lecture"
    r"|partager( sur|:|$)|abonnez-vous|inscrivez-vous|commentaires?\b|publicité$|suivez-nous"
    r"|lea (también|más)|lee (también|más)|leer más|(también )?te puede interesar"
    r"|noticias relacionadas|tiempo de lectura|compartir( en|:|$)|suscríbete|comentarios\b"
    r"|publicidad$|síguenos"
    r"|leggi (anche|tutto)|potrebbe interessarti|articoli correlati|tempo di lettura"
    r"|condividi( su|:|$)|iscriviti|commenti\b|pubblicità$|seguici"
    r"|leia (também|mais)|veja também|notícias relacionadas|tempo de leitura"
    r"|(compartilhe|compartilhar|partilhar)( no| na|:|$)|assine|inscreva-se|comentários\b"
    r"|publicidade$|siga-nos"
    r"|читайте также|читать (далее|также)|подробнее|время чтения|поделиться|подпишитесь"
    r"|комментари[ийя]\b|реклама$|следите за нами|по теме\s*[:\-–—]?$)",
    re.IGNORECASE,
)
_FURNITURE_ANYWHERE = re.compile(
    r"all rights reserved|your email address will not be published|required fields are marked"
    r"|sent to your email|subscribe to (get|our|the)|sign up for our|opens in new window"
    r"|share (this|on) (facebook|twitter|whatsapp|linkedin|email)",
    re.IGNORECASE,
)
# After one of these, late in a page, nothing is story any more.
_HARD_STOP = re.compile(
    r"^(leave a (reply|comment)|discover more from|comments?\s*(\(\d+\))?$"
    r"|related (articles|stories)|you may also like|more stories)",
    re.IGNORECASE,
)
_TERMINAL = re.compile(r"[.!?…]['\"”’»)]*$")
_AGENCIES = (  # and any name in capitals of three letters or more: CNN's partners' "(WIRED)"
    "PTI|IANS|ANI|UNI|AP|AFP|Reuters|Bloomberg|dpa|DPA|Xinhua|TASS|EFE|CNN|BBC|UPI|Yonhap"
    "|Kyodo|KUNA|WAM|SPA|APP|[A-Z]{3,}"
)
# "By Jane Roe London, Aug 1 (PTI) The ...", "LONDON (Reuters) - The ...", "WASHINGTON — The ..."
_DATELINE = re.compile(
    r"^(?:By\s+(?:[A-Z][\w.'-]*\s+){1,3})?"
    r"(?:[A-Z][\w.'-]*(?:[ ,]+[A-Z][\w.'-]*){0,3},?\s+)?"
    r"(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2},?\s+(?:\d{4}\s+)?)?"
    rf"\((?:{_AGENCIES})\)\s*[-–—:]*\s*(?=[A-Z\"“‘'])"
    r"|^[A-Z]{3,}(?: [A-Z]{2,}){0,2}(?:,\s*[A-Z][\w.]*(?:\s[A-Z][\w.]*)?)?"
    r"\s+[—–-]{1,2}\s+(?=[A-Z])"
)


@dataclass(frozen=True)
class ExtractedArticle:
    """Main text of one story, with what the page says about it."""

    title: str
    text: str
    language: str | None = None
    published: str | None = None


def extract_article(html: str, url: str | None = None) -> ExtractedArticle:
    """Extract title, cleaned main text, language and date from an HTML string."""
    import trafilatura  # heavy import, paid once on first use

    # bare_extraction is annotated `Document | dict | None`; a dict comes only with as_dict=True
    doc = cast(
        "Document | None",
        trafilatura.bare_extraction(
            html[:MAX_PAGE_CHARS],
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
        ),
    )
    if doc is None:
        return ExtractedArticle(title="", text="")
    title = " ".join((doc.title or "").split())
    text = clean_story_text(doc.text or "")
    return ExtractedArticle(
        title=title, text=text, language=doc.language or None, published=doc.date or None
    )


def extract_text_article(text: str) -> ExtractedArticle:
    """Build an article from plain text; a headline-like first line becomes the title."""
    lines = text.strip().splitlines()
    if len(lines) > 1 and _looks_like_headline(lines[0]):
        return ExtractedArticle(
            title=lines[0].strip(), text=clean_story_text("\n".join(lines[1:]))
        )
    return ExtractedArticle(title="", text=clean_story_text(text))


def clean_story_text(text: str) -> str:
    """Drop page-furniture lines and everything after a late comment form or footer.

    At most `MAX_TEXT_CHARS` of text are read and kept.
    """
    lines = [" ".join(line.split()) for line in text[:MAX_TEXT_CHARS].splitlines()]
    kept: list[str] = []
    for index, line in enumerate(lines):
        if not line:
            if kept and kept[-1]:
                kept.append("")
            continue
        if _HARD_STOP.match(line) and index >= len(lines) // 2:
            break
        if not is_furniture(line):
            kept.append(line)
    return "\n".join(kept).strip()


def is_furniture(line: str) -> bool:
    """Tell whether one line of page text is furniture rather than story."""
    words = len(line.split())
    if _FURNITURE_ANYWHERE.search(line) and words <= 2 * _MAX_FURNITURE_WORDS:
        return True
    start = _FURNITURE_START.match(line) or _FURNITURE_START_INTL.match(line)
    return bool(start) and words <= _MAX_FURNITURE_WORDS


def strip_dateline(sentence: str) -> str:
    """Drop a wire dateline or byline before the story's first words ("LONDON (Reuters) - ")."""
    match = _DATELINE.match(sentence)
    return sentence[match.end() :] if match else sentence


def _looks_like_headline(line: str) -> bool:
    """Tell whether a line reads like a headline: short, no closing full stop."""
    line = line.strip()
    words = len(line.split())
    return 0 < words <= _MAX_HEADLINE_WORDS and not line.endswith(".")
