"""The undo book: a removal undone once, within its window, in its own chat; bounded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.models import KeptTopic, Removal
from bot.core.undo import UndoBook

NOW = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def _removal(chat_id: int = 1, at: datetime = NOW) -> Removal:
    return Removal(chat_id, at, topics=(KeptTopic("syria", NOW),))


def test_undone_once_within_the_window_in_its_chat() -> None:
    book = UndoBook(MINUTE)
    token = book.keep(_removal())
    assert len(token) == 8
    assert book.take(token, 2, NOW) is None  # another chat's button
    assert book.take(token, 1, NOW + MINUTE) == _removal()
    assert book.take(token, 1, NOW) is None  # undone already


def test_too_late_is_refused_and_forgotten() -> None:
    book = UndoBook(MINUTE)
    token = book.keep(_removal())
    assert book.take(token, 1, NOW + MINUTE + timedelta(seconds=1)) is None
    assert book.take(token, 1, NOW) is None


def test_the_book_is_bounded_and_drops_expired_removals() -> None:
    book = UndoBook(MINUTE, size=3)
    tokens = [book.keep(_removal()) for _ in range(4)]
    assert book.take(tokens[0], 1, NOW) is None  # the oldest went first
    assert book.take(tokens[3], 1, NOW) is not None
    later = book.keep(_removal(at=NOW + 2 * MINUTE))  # the others expired: dropped now
    assert len(book) == 1
    assert book.take(later, 1, NOW + 2 * MINUTE) is not None
