"""The layer rule, read off the tree: each folder of `bot/` is a layer, and imports point down.

core (pure) ← store ← services ← adapters (net, proc, tg) ← composition (app, cli). The shared
kernel at the top of `bot/` (config, errors, i18n, texts, clock) may be imported by any layer. A
module that is in no layer fails the test, so a new file or a rename cannot slip past it.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import REPO

BOT = REPO / "bot"

KERNEL = {"bot.config", "bot.errors", "bot.i18n", "bot.texts", "bot.clock"}
# Layer of a module → the layers of `bot` it may import (besides itself and the kernel).
MAY_IMPORT: dict[str, set[str]] = {
    "kernel": set(),
    "core.text": set(),
    "core": {"core.text"},
    "store": {"core", "core.text"},
    "services": {"core", "core.text", "store"},
    "net": {"core", "core.text", "services"},  # services: the ports it implements
    "proc": {"core", "core.text"},
    "tg": {"core", "core.text", "services"},
    "composition": {"core", "core.text", "store", "services", "net", "proc", "tg", "composition"},
}
# Packages that mean I/O, the network, a database, Telegram or a scheduler.
IO = {
    "aiohttp",
    "alembic",
    "apscheduler",
    "asyncio",
    "httpx",
    "multiprocessing",
    "pebble",
    "psycopg",
    "socket",
    "sqlalchemy",
    "sqlite3",
    "subprocess",
    "telegram",
    "urllib.request",
}
# Third-party packages each layer must not import (the kernel and core: no I/O at all).
FORBIDDEN: dict[str, set[str]] = {
    "kernel": IO,
    "core.text": IO,
    "core": IO,
    "store": {"aiohttp", "httpx", "telegram", "apscheduler", "pebble", "multiprocessing"},
    "services": IO - {"asyncio", "socket"},
    "net": {"sqlalchemy", "psycopg", "sqlite3", "telegram", "pebble"},
    "proc": {"sqlalchemy", "psycopg", "sqlite3", "telegram", "aiohttp", "httpx"},
    "tg": {"sqlalchemy", "psycopg", "sqlite3", "aiohttp", "pebble"},
    "composition": set(),
}
# Modules let off one of their layer's forbidden packages, and why.
EXEMPT: dict[str, set[str]] = {
    # PTB's request layer on aiohttp: the Bot API transport, as PTB's own `telegram/request/`
    # is part of telegram (issue 19: httpx cost 3-5 ms of CPU a message).
    "bot.tg.request": {"aiohttp"},
}


def module_name(path: Path) -> str:
    """`bot/core/text/extract.py` → `bot.core.text.extract`; a package is its `__init__`."""
    parts = path.relative_to(BOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> str | None:
    """The layer of a `bot` module, or None when it is in none."""
    if module in KERNEL or module == "bot":
        return "kernel"
    if module in {"bot.app", "bot.__main__"} or module.startswith("bot.cli"):
        return "composition"
    if module == "bot.core.text" or module.startswith("bot.core.text."):
        return "core.text"
    for layer in ("core", "store", "services", "net", "proc", "tg"):
        if module == f"bot.{layer}" or module.startswith(f"bot.{layer}."):
            return layer
    return None


def imports_of(path: Path) -> set[str]:
    """Every module `path` imports at its top level or inside functions (absolute imports)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            if node.module == "bot":  # `from bot import texts` imports bot.texts
                names.update(f"bot.{alias.name}" for alias in node.names)
    return names


def _modules() -> list[Path]:
    return sorted(p for p in BOT.rglob("*.py") if "migrations" not in p.parts)


MODULES = _modules()


def test_the_tree_has_the_layers_and_few_top_modules() -> None:
    assert {p.name for p in BOT.iterdir() if p.is_dir() and p.name != "__pycache__"} >= {
        "core",
        "store",
        "services",
        "net",
        "proc",
        "tg",
        "cli",
    }
    top = sorted(p.name for p in BOT.glob("*.py"))
    assert len(top) <= 8, top


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_every_module_imports_only_downwards(path: Path) -> None:
    module = module_name(path)
    layer = layer_of(module)
    assert layer is not None, f"{module} is in no layer: put it in a layer's folder"
    allowed = MAY_IMPORT[layer] | {layer}
    bad_bot = sorted(
        name
        for name in imports_of(path)
        if name.startswith("bot.")
        and name not in KERNEL
        and name != "bot.__version__"
        and layer_of(name) not in allowed
    )
    assert not bad_bot, f"{module} ({layer}) imports {bad_bot} from a layer above or beside it"
    bad_io = sorted(
        name
        for name in imports_of(path)
        if (name in FORBIDDEN[layer] or name.split(".")[0] in FORBIDDEN[layer])
        and name.split(".")[0] not in EXEMPT.get(module, set())
    )
    assert not bad_io, f"{module} ({layer}) imports {bad_io}"


@pytest.mark.parametrize(
    ("module", "layer"),
    [
        ("bot.core.render", "core"),
        ("bot.core.text.summarise", "core.text"),
        ("bot.core.textnorm", "core"),
        ("bot.store.engine", "store"),
        ("bot.services.enrich", "services"),
        ("bot.net.fetcher", "net"),
        ("bot.tg.handlers", "tg"),
        ("bot.cli.feeds", "composition"),
        ("bot.app", "composition"),
        ("bot.config", "kernel"),
        ("bot.helpers", None),
        ("bot.core_extras", None),
    ],
)
def test_layers_are_read_from_the_path(module: str, layer: str | None) -> None:
    assert layer_of(module) == layer


def test_a_bad_import_is_caught(tmp_path: Path) -> None:
    """The rule bites: `import telegram` or `bot.store` inside `bot/core/` is refused."""
    bad = tmp_path / "bad.py"
    bad.write_text("import telegram\nfrom bot.store.engine import Store\n", encoding="utf-8")
    found = imports_of(bad)
    assert "telegram" in FORBIDDEN["core"]
    assert "telegram" in found
    assert layer_of("bot.store.engine") not in MAY_IMPORT["core"] | {"core"}


# Loaded only in worker processes: the event loop's process stays about 50 MB smaller.
TEXT_STACK = {"sumy", "nltk", "numpy", "trafilatura", "lxml", "py3langid", "snowballstemmer"}


def test_the_event_loop_process_does_not_load_the_text_stack() -> None:
    """`digest-bot run` imports the app and the CLI; the text stack stays in the workers."""
    probe = (
        "import sys, bot.app, bot.cli; "
        f"print(','.join(sorted(m for m in {sorted(TEXT_STACK)!r} if m in sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == ""


# Loaded only in the event loop's process: the workers' shared image stays about 18 MB smaller.
LOOP_STACK = {"sqlalchemy", "telegram", "aiohttp", "apscheduler", "httpx", "prometheus_client"}


def test_the_workers_do_not_load_the_event_loops_stack() -> None:
    """What the fork server preloads (and a worker unpickles a task with) leaves the store out."""
    from bot.app import story_workers
    from bot.config import Config

    preload = story_workers(Config()).preload
    probe = (
        f"import sys, importlib; [importlib.import_module(m) for m in {list(preload)!r}]; "
        f"print(','.join(sorted(m for m in {sorted(LOOP_STACK)!r} if m in sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == ""
