"""Docs agree with the code: /help, the README's commands table and the registered handlers."""

from __future__ import annotations

import re

import pytest
from telegram.ext import CommandHandler

from bot import texts
from bot.tg.handlers import build_handlers
from tests.support.paths import REPO

README = REPO / "README.md"
_COMMAND_RE = re.compile(r"^/([a-z_]+) ", re.MULTILINE)


def help_commands() -> set[str]:
    """Commands listed in /help, one per line."""
    return set(_COMMAND_RE.findall(texts.HELP))


def readme_commands() -> set[str]:
    """Commands in the first column of the README's `## Commands` table."""
    text = README.read_text(encoding="utf-8")
    match = re.search(r"^## Commands\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    if match is None:
        pytest.skip("README.md has no '## Commands' section yet")
    rows = [line for line in match.group(1).splitlines() if line.startswith("|")]
    return {m.group(1) for row in rows if (m := re.search(r"`/([a-z_]+)", row.split("|")[1]))}


def registered_commands() -> set[str]:
    """Commands that have a CommandHandler."""
    return {
        command
        for handlers in build_handlers().values()
        for handler in handlers
        if isinstance(handler, CommandHandler)
        for command in handler.commands
    }


def test_every_registered_command_is_in_help_and_the_menu() -> None:
    assert registered_commands() == help_commands()
    assert {name for name, _ in texts.COMMANDS} == registered_commands()


def test_help_and_readme_list_the_same_commands() -> None:
    assert readme_commands() == help_commands()


ARCHITECTURE = REPO / "docs" / "architecture.md"
_PATH_RE = re.compile(r"`((?:core|store|services|net|proc|tg|cli)/[\w/]*(?:\.py)?)`")


def test_every_path_the_architecture_names_exists() -> None:
    """docs/architecture.md names folders and modules of `bot/`; a move must update it."""
    named = set(_PATH_RE.findall(ARCHITECTURE.read_text(encoding="utf-8")))
    assert len(named) >= 20
    missing = sorted(path for path in named if not (REPO / "bot" / path).exists())
    assert not missing, f"docs/architecture.md names {missing}, which do not exist"
