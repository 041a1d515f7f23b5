"""digest-bot: a Telegram bot that turns news feeds into short extractive digests."""

__version__ = "0.1.0"
