"""The shared seed article, read from ../shared at test time (never copied), in page HTML."""

import pytest

from tests.support.paths import SHARED

SEED = SHARED / "seed-article.txt"
FURNITURE = (
    "See also  Khamenei claims Israeli leaders deserve death sentences",
    "Discover more from Defence Talks",
    "Subscribe to get the latest posts sent to your email.",
    "Leave a Reply",
    "Your email address will not be published.",
)


def seed_page_html() -> str:
    """Wrap the shared seed article in typical page HTML with furniture."""
    if not SEED.exists():
        pytest.skip(f"shared seed article not found at {SEED}")
    title, _, body = SEED.read_text(encoding="utf-8").partition("\n")
    paragraphs = "\n".join(f"<p>{p.strip()}</p>" for p in body.split("\n") if p.strip())
    return f"""<!doctype html><html><head><title>{title} | Defence Talks</title></head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li></ul></nav>
<div class="share">Share on Facebook | Share on Twitter</div>
<article><h1>{title}</h1><p class="byline">By Defence Talks Staff</p>
{paragraphs}
<div class="share-buttons"><a href="#">Share this article</a></div></article>
<aside><h3>Related articles</h3><ul><li><a href="/a">More on Syria</a></li></ul></aside>
<section id="comments"><h3>Leave a Reply</h3><form><p>Your email address will not be published.
Required fields are marked *</p><textarea name="comment"></textarea>
<button>Post Comment</button></form></section>
<footer><p>© 2024 Defence Talks. All rights reserved.</p></footer></body></html>"""
