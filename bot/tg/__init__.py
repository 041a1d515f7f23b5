"""Everything that talks to Telegram through python-telegram-bot."""
