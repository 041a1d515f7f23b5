"""Callback data: every builder's output is read back by its reader, and forgeries expire."""

from __future__ import annotations

import re

import pytest

from bot.errors import UserError
from bot.tg import callback_data as cd

KEY = "0123456789abcdef"


def test_every_kind_round_trips_and_matches_its_handler_pattern() -> None:
    cases = [
        (cd.latest(5, 3), cd.LATEST, cd.read_latest, (5, 3)),
        (cd.topic(2, "qsyria"), cd.TOPIC, cd.read_topic, (2, cd.QueryRef(inline="syria"))),
        (
            cd.follow("h0123456789abcdef"),
            cd.FOLLOW,
            cd.read_follow,
            cd.QueryRef(key="0123456789abcdef"),
        ),
        (cd.subscribe("0123456789abcdef"), cd.SUBSCRIBE, cd.read_subscribe, "0123456789abcdef"),
        (cd.unsubscribe(42), cd.UNSUBSCRIBE, cd.read_unsubscribe, 42),
        (cd.setting("sentences", 4), cd.SETTING, cd.read_setting, ("sentences", 4)),
        (cd.setting("previews", "on"), cd.SETTING, cd.read_setting, ("previews", True)),
        (cd.setting("digest", "daily"), cd.SETTING, cd.read_setting, ("digest", "daily")),
        (cd.confirm("unsub:42", 1), cd.CONFIRM, cd.read_confirm, ("unsub", 42)),
        (cd.confirm("unsuball", 1), cd.CONFIRM, cd.read_confirm, ("unsuball", None)),
        (cd.confirm("unfollowall", 1), cd.CONFIRM, cd.read_confirm, ("unfollowall", None)),
        (cd.cancel(True, 1), cd.CANCEL, cd.read_cancel, True),
        (cd.cancel(False, 1), cd.CANCEL, cd.read_cancel, False),
        (cd.undo("0123abcd", 1), cd.UNDO, cd.read_undo, "0123abcd"),
    ]
    for data, pattern, read, expected in cases:
        assert len(data.encode()) <= cd.MAX_BYTES, data
        assert re.match(pattern, data), (data, pattern)
        assert read(cd.split_chat(data)[0]) == expected


def test_a_query_rides_inline_only_when_it_fits() -> None:
    assert cd.inline_ref("syria") == "qsyria"
    assert cd.inline_ref("x" * (cd.INLINE_QUERY_BYTES + 1)) is None
    assert cd.inline_ref("syria@2024") is None  # would be read as made for chat 2024
    longest = cd.topic(cd.MAX_PAGE, cd.inline_ref("é" * (cd.INLINE_QUERY_BYTES // 2)) or "")
    assert len(longest.encode()) <= cd.MAX_BYTES


@pytest.mark.parametrize(
    ("read", "data"),
    [
        (cd.read_latest, "latest:99999999999999999999:1"),
        (cd.read_latest, "latest:5:1001"),
        (cd.read_latest, "latest:0:0"),
        (cd.read_latest, "latest:5"),
        (cd.read_topic, "topic:1:x"),
        (cd.read_topic, "topic:１:qx"),  # a fullwidth digit is a digit to Python, not to us
        (cd.read_follow, "follow:q"),
        (cd.read_unsubscribe, "unsub:0"),
        (cd.read_unsubscribe, "unsub:2147483648"),
        (cd.read_setting, "set:sentences:6"),
        (cd.read_setting, "set:previews:maybe"),
        (cd.read_setting, "set:digest:weekly"),
        (cd.read_setting, "set:volume:11"),
        (cd.read_confirm, "yes:unsub:0"),
        (cd.read_confirm, "yes:everything"),
    ],
)
def test_forged_or_stale_data_expires(read: object, data: str) -> None:
    with pytest.raises(UserError, match="expired"):
        read(data)  # type: ignore[operator]


def test_buttons_of_a_view_carry_the_chat_they_were_built_for() -> None:
    data = cd.setting("sentences", 3, -1002000000042)
    assert re.match(cd.SETTING, data)
    assert cd.split_chat(data) == ("set:sentences:3", -1002000000042)
    assert cd.split_chat("set:sentences:3") == ("set:sentences:3", None)
    assert cd.split_chat("unsub:7@x") == ("unsub:7@x", None)
    assert re.match(cd.UNSUBSCRIBE, cd.unsubscribe(7, 1001))
    assert not re.match(cd.UNSUBSCRIBE, "unsub:7@123456789012345")  # 15 digits
    assert len(cd.setting("digest", "instant", -(10**13)).encode()) <= 64
    assert len(cd.confirm(f"unsub:{cd.MAX_ID}", -(10**13)).encode()) <= 64
    for data in (cd.defaults(-(10**13)), cd.undo("0123abcd", -(10**13))):
        assert re.match(cd.DEFAULTS if data.startswith("subdef") else cd.UNDO, data)
        assert cd.split_chat(data)[1] == -(10**13)
