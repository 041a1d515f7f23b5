"""Plain data that crosses the layers: made by the store, read by services and adapters."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChatSettings:
    """A chat's preferences, with the defaults a new chat gets."""

    chat_id: int
    kind: str = "private"
    title: str = ""
    active: bool = True
    summary_sentences: int = 3
    link_previews: bool = False
    digest_mode: str = "instant"
    digest_times: str = ""
    timezone: str = "UTC"
