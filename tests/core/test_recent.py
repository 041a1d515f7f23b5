import pytest

from bot.core.recent import Recent


def test_the_least_recently_used_entry_goes_first() -> None:
    recent: Recent[int, str] = Recent(limit=3)
    for chat in (1, 2, 3):
        recent.put(chat, f"chat {chat}")
    assert recent.get(1) == "chat 1"  # 1 is now the newest; 2 the oldest
    recent.put(4, "chat 4")
    assert 2 not in recent
    assert [c in recent for c in (1, 3, 4)] == [True, True, True]
    assert len(recent) == 3


def test_putting_again_refreshes_and_replaces() -> None:
    recent: Recent[int, str] = Recent(limit=2)
    recent.put(1, "old")
    recent.put(2, "b")
    recent.put(1, "new")
    recent.put(3, "c")
    assert recent.get(1) == "new"
    assert recent.get(2) is None


def test_a_hundred_thousand_chats_keep_the_limit() -> None:
    recent: Recent[int, str] = Recent()
    for chat in range(100_000):
        recent.put(chat, "title")
    assert len(recent) == recent.limit
    assert 99_999 in recent
    assert 0 not in recent


def test_pop_forgets_and_the_limit_must_be_positive() -> None:
    recent: Recent[str, None] = Recent(limit=1)
    recent.put("a", None)
    assert "a" in recent
    recent.pop("a")
    assert "a" not in recent
    assert recent.pop("a") is None
    with pytest.raises(ValueError, match="at least 1"):
        Recent(limit=0)
