"""Tests for near-duplicate detection."""

from bot.core.text.neardup import is_near_duplicate, similarity, text_signature
from tests.support.paths import TEST_DATA

DATA = TEST_DATA


def test_signature_is_stable_hex() -> None:
    text = (DATA / "story-climate.txt").read_text()
    assert text_signature(text) == text_signature(text)
    assert len(text_signature(text)) == 16
    assert similarity(text_signature(text), text_signature(text)) == 1.0


def test_lightly_edited_copy_is_a_duplicate() -> None:
    text = (DATA / "story-climate.txt").read_text()
    copy = text.replace("two harbours", "2 harbours") + "\nCopyright 2025 Another Outlet."
    assert is_near_duplicate(text_signature(text), text_signature(copy))


def test_different_stories_are_not_duplicates() -> None:
    a = text_signature((DATA / "story-climate.txt").read_text())
    b = text_signature((DATA / "story-german.txt").read_text())
    c = text_signature((DATA / "story-dutch.txt").read_text())
    assert not is_near_duplicate(a, b)
    assert not is_near_duplicate(b, c)
