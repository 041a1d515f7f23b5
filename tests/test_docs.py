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
    """Commands listed in /help, one per line (as a bot admin sees it in private)."""
    return set(_COMMAND_RE.findall(texts.help_text(texts.BOT_ADMIN)))


def readme_rows() -> list[list[str]]:
    """The cells of the README's `## Commands` table (without the header rows)."""
    text = README.read_text(encoding="utf-8")
    match = re.search(r"^## Commands\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    if match is None:
        pytest.skip("README.md has no '## Commands' section yet")
    lines = [line for line in match.group(1).splitlines() if line.startswith("| `/")]
    return [[cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]] for line in lines]


def readme_commands() -> set[str]:
    """Commands in the first column of the README's `## Commands` table."""
    return {m.group(1) for row in readme_rows() if (m := re.match(r"`/([a-z_]+)", row[0]))}


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
    assert {c.name for c in texts.COMMANDS} == registered_commands()


def test_help_and_readme_list_the_same_commands() -> None:
    assert readme_commands() == help_commands()


MENU_OF = {
    texts.EVERYONE: "everyone",
    texts.CHANGERS: "private chats, group admins",
    texts.PRIVATE_ONLY: "private chats",
    frozenset({texts.BOT_ADMIN}): "bot admins",
}


def test_readme_table_shows_each_commands_usage_and_menu_as_texts_does() -> None:
    rows = readme_rows()
    wanted = [
        [f"`/{c.name}{' ' + str(c.usage) if c.usage else ''}`", MENU_OF[c.audience]]
        for c in texts.COMMANDS
    ]
    assert [[row[0].replace("\\|", "|"), row[2]] for row in rows] == wanted


ARCHITECTURE = REPO / "docs" / "architecture.md"
_PATH_RE = re.compile(r"`((?:core|store|services|net|proc|tg|cli)/[\w/]*(?:\.py)?)`")


def test_every_path_the_architecture_names_exists() -> None:
    """docs/architecture.md names folders and modules of `bot/`; a move must update it."""
    named = set(_PATH_RE.findall(ARCHITECTURE.read_text(encoding="utf-8")))
    assert len(named) >= 20
    missing = sorted(path for path in named if not (REPO / "bot" / path).exists())
    assert not missing, f"docs/architecture.md names {missing}, which do not exist"
