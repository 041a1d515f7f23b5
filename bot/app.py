"""Composition: builds the Telegram Application and wires the adapters together."""

from __future__ import annotations

import argparse

from bot.config import Config, require_token
from bot.store.engine import Store


def run_command(args: argparse.Namespace, config: Config) -> int:
    """`digest-bot run`: check the token, migrate the store, run the bot until stopped."""
    token = require_token(config)
    store = Store(config.storage.url)
    try:
        store.upgrade()
    finally:
        store.close()
    from telegram.ext import Application

    application = Application.builder().token(token).base_url(config.telegram.api_url).build()
    application.run_polling()
    return 0
