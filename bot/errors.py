"""Exceptions raised by digest-bot.

The tree::

    BotError
    ├── ConfigError          a bad or missing setting; stops start-up (exit status 2)
    ├── StoreError           the database could not do what was asked
    ├── FetchError           an HTTP fetch failed (timeout, size cap, blocked address, status)
    │   ├── BlockedAddressError   the URL resolves to a private, loopback or reserved address
    │   └── RetryLaterError       the server answered 429 or 503, maybe with Retry-After
    ├── FeedError            bytes that are not a usable feed
    ├── WorkError            a story's extraction/summary ran out of time or lost its worker
    └── UserError            text that is safe to show in a chat, as the reply
        ├── AlreadySubscribedError   the chat has that feed already
        └── FeedLimitError           the chat has as many feeds as it may
"""

from bot.i18n import Msg


class BotError(Exception):
    """Base class of every error digest-bot raises on purpose."""


class ConfigError(BotError):
    """A setting is missing or has a bad value; the message names the key."""


class StoreError(BotError):
    """The storage layer failed."""


class FetchError(BotError):
    """An HTTP fetch failed; the message is a short human sentence."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class BlockedAddressError(FetchError):
    """A URL points at an address the bot must not reach."""


class RetryLaterError(FetchError):
    """The server asked us to come back later (429 or 503), maybe with `Retry-After`."""

    def __init__(self, message: str, *, status: int, retry_after_s: float | None) -> None:
        super().__init__(message, status=status)
        self.retry_after_s = retry_after_s


class FeedError(BotError):
    """Fetched bytes are not a feed we can use."""


class UserError(BotError):
    """An expected problem whose message is shown to the user as it is; `reason` says it in
    a few words, for a list of outcomes such as an OPML import's summary ("" if none).

    A `Msg` is translated when the error is made, into the language of the chat at hand.
    """

    def __init__(self, text: str | Msg, *, reason: str | Msg = "") -> None:
        super().__init__(str(text))
        self.reason = str(reason)


class AlreadySubscribedError(UserError):
    """The chat is subscribed to that feed already."""


class FeedLimitError(UserError):
    """The chat has `[telegram] max_feeds_per_chat` feeds already."""


class WorkError(BotError):
    """A story's CPU work ran out of its time budget or lost its worker process."""
