"""Imports point down the layers: core → service → adapters → app (see STYLE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[1] / "bot"

# Pure modules: no asyncio, network, database, Telegram or scheduler.
CORE = {
    "errors",
    "config",
    "texts",
    "feeds",
    "extract",
    "summarise",
    "sentences",
    "language",
    "keywords",
    "neardup",
    "render",
    "search",
    "digest",
    "pacing",
    "netguard",
    "textnorm",
    "summary_text",
    "ratelimit",
    "backoff",
}
IO_PACKAGES = {
    "asyncio",
    "aiohttp",
    "httpx",
    "sqlalchemy",
    "alembic",
    "psycopg",
    "telegram",
    "apscheduler",
    "socket",
    "sqlite3",
    "urllib.request",
    "subprocess",
}
# Modules of the service layer never talk to Telegram, HTTP or SQL drivers directly.
SERVICE = {"service", "ingest", "enrich", "delivery", "matching"}
SERVICE_FORBIDDEN = {"telegram", "httpx", "aiohttp", "sqlite3", "psycopg", "apscheduler", "pebble"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _existing(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if (BOT / f"{m}.py").exists())


@pytest.mark.parametrize("module", _existing(CORE))
def test_core_modules_do_no_io(module: str) -> None:
    imported = _imports(BOT / f"{module}.py")
    bad = {
        name
        for name in imported
        if name.split(".")[0] in IO_PACKAGES
        or name in IO_PACKAGES
        or (name.startswith("bot.") and name.split(".")[1] not in CORE)
    }
    assert not bad, f"bot/{module}.py is core but imports {sorted(bad)}"


@pytest.mark.parametrize("module", _existing(SERVICE))
def test_services_use_ports_not_drivers(module: str) -> None:
    imported = _imports(BOT / f"{module}.py")
    bad = {name for name in imported if name.split(".")[0] in SERVICE_FORBIDDEN}
    assert not bad, f"bot/{module}.py is a service but imports {sorted(bad)}"


def test_no_module_imports_the_app_or_cli() -> None:
    for path in BOT.rglob("*.py"):
        if path.name in {"app.py", "cli.py", "__main__.py"} or path.name.startswith("cli_"):
            continue
        imported = _imports(path)
        assert "bot.app" not in imported, path
        assert "bot.cli" not in imported, path
