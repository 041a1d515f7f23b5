"""Freezing what start-up built: later full collections skip it, and still collect the new."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from bot.proc.heap import freeze_long_lived


@pytest.fixture
def frozen() -> Iterator[None]:
    """Freeze for one test, then hand everything back to the collector."""
    freeze_long_lived()
    yield
    gc.unfreeze()


class Node:
    """An object that can sit in a reference cycle."""

    def __init__(self) -> None:
        self.other: Node | None = None


def test_start_up_objects_leave_the_collectors_sight(frozen: None) -> None:
    assert gc.get_freeze_count() > 0
    tracked = {id(o) for o in gc.get_objects()}
    assert id(freeze_long_lived) not in tracked  # a start-up object: not walked any more


def test_garbage_made_after_start_up_is_still_collected(frozen: None) -> None:
    a, b = Node(), Node()
    a.other, b.other = b, a  # a cycle only the collector can free
    gone = weakref.ref(a)
    del a, b
    gc.collect()
    assert gone() is None
